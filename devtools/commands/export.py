"""`tickscope export FILE --to chrome|perfetto|evidence|parquet -o OUT`: convert a trace for other tools.

A damaged trace (lines the loader had to skip) is not exported silently: the skipped lines are named on stderr and
nothing is written (exit 1) unless `--allow-damaged` asks for the rest anyway.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from runtime.trace import (
    LoadProblem,
    PerfettoUnavailable,
    TraceFormatError,
    load_trace,
    write_chrome_trace,
    write_evidence,
    write_perfetto_trace,
)

from .progress import ProgressBar

FORMATS = ("chrome", "perfetto", "evidence", "parquet")
_NAMED = 5


def _say_skipped(file: str, problems: Sequence[LoadProblem]) -> None:
    shown = "; ".join(f"line {p.line}: {p.message}" for p in problems[:_NAMED])
    more = f"; and {len(problems) - _NAMED} more" if len(problems) > _NAMED else ""
    print(f"tickscope export: {file} is damaged: {len(problems)} line(s) skipped ({shown}{more})", file=sys.stderr)


def add(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="a trace (.jsonl) or an evidence package (.json)")
    parser.add_argument("--to", choices=FORMATS, required=True,
                        help="chrome: Trace Event JSON; perfetto: .pftrace protobuf; evidence: EvidencePackage JSON; "
                             "parquet: the query tables as Parquet files in the directory -o")
    parser.add_argument("-o", "--output", required=True, help="the file to write")
    parser.add_argument("--allow-damaged", action="store_true",
                        help="export what could be read when some lines of FILE are damaged (they are skipped)")


def run(args: argparse.Namespace) -> int:
    if args.to == "parquet":  # streams the trace file table by table: never loads it into a store
        from . import export_parquet

        return export_parquet.run(args)
    try:
        with ProgressBar(f"loading {args.file}") as bar:
            store = load_trace(args.file, progress=bar.update)
    except TraceFormatError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    if store.problems:
        _say_skipped(args.file, store.problems)
        if not args.allow_damaged:
            print(f"tickscope export: nothing written to {args.output}; --allow-damaged exports the rest",
                  file=sys.stderr)
            store.close()
            return 1
    try:
        if args.to == "chrome":
            count = write_chrome_trace(store, args.output)
            what = "trace events"
        elif args.to == "perfetto":
            try:
                count = write_perfetto_trace(store, args.output)
            except PerfettoUnavailable as exc:
                print(f"tickscope export: {exc}", file=sys.stderr)
                return 1
            what = "packets"
        else:
            count = write_evidence(store, args.output)
            what = "envelopes"
    except OSError as exc:
        print(f"tickscope export: cannot write {args.output}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    finally:
        store.close()
    print(f"{args.output}: {count} {what} ({args.to}) from {len(store)} events")
    return 0
