"""`tickscope check FILE`: validate a trace (or evidence package); exit 0 when sound, 1 with line-numbered problems."""

from __future__ import annotations

import argparse
import sys

from runtime.trace import TraceFormatError, validate_file

from .progress import ProgressBar

_SHOWN = 50


def add(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="a trace (.jsonl) or an evidence package (.json)")


def run(args: argparse.Namespace) -> int:
    try:
        with ProgressBar(f"checking {args.file}") as bar:
            result = validate_file(args.file, progress=bar.update)
    except TraceFormatError as exc:
        print(f"{exc}", file=sys.stderr)
        return 1
    for problem in result.problems[:_SHOWN]:
        print(f"{args.file}:{problem.line}: {problem.message}")
    if len(result.problems) > _SHOWN:
        print(f"... and {len(result.problems) - _SHOWN} more problems")
    if not result.events:
        print(f"{args.file}: no debug events at all")
    status = "ok" if result.ok else "FAILS"
    print(f"{args.file}: {status}: {result.envelopes} envelopes, {result.events} events, "
          f"{len(result.problems)} problems")
    return 0 if result.ok else 1
