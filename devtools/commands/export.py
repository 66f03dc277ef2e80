"""`tickscope export FILE --to chrome|perfetto|evidence -o OUT`: convert a trace for other tools."""

from __future__ import annotations

import argparse
import sys

from runtime.trace import (
    PerfettoUnavailable,
    TraceFormatError,
    load_trace,
    write_chrome_trace,
    write_evidence,
    write_perfetto_trace,
)

from .progress import ProgressBar

FORMATS = ("chrome", "perfetto", "evidence")


def add(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="a trace (.jsonl) or an evidence package (.json)")
    parser.add_argument("--to", choices=FORMATS, required=True,
                        help="chrome: Trace Event JSON; perfetto: .pftrace protobuf; evidence: EvidencePackage JSON")
    parser.add_argument("-o", "--output", required=True, help="the file to write")


def run(args: argparse.Namespace) -> int:
    try:
        with ProgressBar(f"loading {args.file}") as bar:
            store = load_trace(args.file, progress=bar.update)
    except TraceFormatError as exc:
        print(str(exc), file=sys.stderr)
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
