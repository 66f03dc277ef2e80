"""The `tickscope` command line.

`tickscope` with no subcommand opens the devtools on the embedded demo. Every subcommand lives in its own module
under `devtools.commands` and registers itself in COMMANDS below: `add(parser)` declares its arguments and
`run(args) -> int` does the work. Headless subcommands import no Qt (a test checks it).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

__all__ = ["main", "COMMANDS"]

# name -> (module under devtools.commands, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "open": ("open", "open a recorded trace in the devtools and replay it"),
    "record": ("record", "record the demo runtime headless to a trace file"),
    "check": ("check", "validate a trace or evidence package (exit 1 with line-numbered problems)"),
    "info": ("info", "summarise a trace: kinds, instances, time span, ticks, transactions, runs, operations"),
    "export": ("export", "export a trace to Chrome Trace JSON, Perfetto protobuf or an EvidencePackage"),
    "import": ("import_evidence", "turn an EvidencePackage into a trace file"),
    "tail": ("tail", "print a live runtime's events as JSON lines (attach to its inspector, headless)"),
    "attach": ("attach", "open the devtools on a live runtime in another process (its inspector)"),
    "backend": ("backend", "run the loopback backend for operations"),
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tickscope", description="Reactive state runtime devtools.")
    sub = parser.add_subparsers(dest="command")
    for name, (module, help_text) in COMMANDS.items():
        sp = sub.add_parser(name, help=help_text)
        importlib.import_module(f"devtools.commands.{module}").add(sp)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if not args_list or args_list[0].startswith("-") and args_list[0] not in ("-h", "--help"):
        from devtools.commands import gui  # the default: the devtools on the embedded demo

        return gui.run_default(args_list)
    parser = _parser()
    args = parser.parse_args(args_list)
    if args.command is None:
        parser.print_help()
        return 2
    module = importlib.import_module(f"devtools.commands.{COMMANDS[args.command][0]}")
    return int(module.run(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
