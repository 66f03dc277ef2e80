"""The `tickscope` command line.

`tickscope [FILE]` with no subcommand opens the devtools window on the embedded demo (or replays FILE). Every
subcommand lives in its own module under `devtools.commands` and registers itself in COMMANDS below: `add(parser)`
declares its arguments and `run(args) -> int` does the work. Headless subcommands import no Qt (a test checks it).
"""

from __future__ import annotations

import argparse
import importlib
import os
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
    "query": ("query", "run SQL (DuckDB) over a trace's tables: events, transactions, dirty roots, patches, ..."),
    "diff": ("diff", "compare two traces: durations per module and action side by side, what got slower, degradation"),
    "testgen": ("testgen", "write a pytest file that replays a recorded session's actions and checks its states"),
    "import": ("import_evidence", "turn an EvidencePackage into a trace file"),
    "tail": ("tail", "print a live runtime's events as JSON lines (attach to its inspector, headless)"),
    "attach": ("attach", "open the devtools on a live runtime in another process (its inspector)"),
    "backend": ("backend", "run the loopback backend for operations"),
}


def _parser() -> argparse.ArgumentParser:
    from devtools.commands.gui import default_parser

    window = default_parser()
    usage = window.format_usage().removeprefix("usage: ").strip()
    options = window.format_help()
    options = "\n".join(line for line in options[options.index("positional arguments:"):].splitlines()
                        if not line.lstrip().startswith("-h, --help"))
    parser = argparse.ArgumentParser(
        prog="tickscope", usage=f"{usage}\n       tickscope COMMAND [-h] ...",
        description="Reactive state runtime devtools. With no COMMAND: the devtools window, live on the embedded\n"
                    "demo runtime, or replaying FILE.",
        epilog=f"the devtools window (no COMMAND):\n{_indent(options)}\n\n"
               "Each COMMAND has its own --help (tickscope export --help).",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", title="commands", metavar="COMMAND")
    for name, (module, help_text) in COMMANDS.items():
        sp = sub.add_parser(name, help=help_text)
        importlib.import_module(f"devtools.commands.{module}").add(sp)
    return parser


def _indent(text: str) -> str:
    return "\n".join(f"  {line}" if line else line for line in text.rstrip().splitlines())


def main(argv: Sequence[str] | None = None) -> int:
    """Run `tickscope` with `argv` (default: the process's arguments); returns the exit code.

    A reader that goes away (`tickscope info t.jsonl | head`) ends the command quietly: stdout is pointed at
    /dev/null, so neither the command nor the interpreter's last flush prints a BrokenPipeError traceback.
    """
    try:
        code = _run(list(sys.argv[1:] if argv is None else argv))
        sys.stdout.flush()
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
        return 0
    return code


def _run(args_list: list[str]) -> int:
    if not args_list or args_list[0] not in COMMANDS and args_list[0] not in ("-h", "--help"):
        from devtools.commands import gui  # the default: the devtools on the embedded demo, or a trace

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
