"""`tickscope export FILE --to chrome|perfetto|evidence -o OUT`: convert a trace for other tools;
`tickscope export FILE --to otlp --endpoint URL`: send its runs, operations and ticks to an OpenTelemetry collector.

A damaged trace (lines the loader had to skip) is not exported silently: the skipped lines are named on stderr and
nothing is written (exit 1) unless `--allow-damaged` asks for the rest anyway.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from runtime.trace import (
    EventStore,
    LoadProblem,
    OtelUnavailable,
    PerfettoUnavailable,
    TraceFormatError,
    export_otlp,
    load_trace,
    write_chrome_trace,
    write_evidence,
    write_perfetto_trace,
)

from .progress import ProgressBar

FORMATS = ("chrome", "perfetto", "evidence", "otlp")
_NAMED = 5


def _say_skipped(file: str, problems: Sequence[LoadProblem]) -> None:
    shown = "; ".join(f"line {p.line}: {p.message}" for p in problems[:_NAMED])
    more = f"; and {len(problems) - _NAMED} more" if len(problems) > _NAMED else ""
    print(f"tickscope export: {file} is damaged: {len(problems)} line(s) skipped ({shown}{more})", file=sys.stderr)


def add(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="a trace (.jsonl) or an evidence package (.json)")
    parser.add_argument("--to", choices=FORMATS, required=True,
                        help="chrome: Trace Event JSON; perfetto: .pftrace protobuf; evidence: EvidencePackage JSON; "
                             "otlp: OpenTelemetry spans sent to --endpoint")
    parser.add_argument("-o", "--output", help="the file to write (chrome, perfetto, evidence)")
    parser.add_argument("--endpoint", help="otlp: the OTLP/HTTP traces URL, e.g. http://localhost:4318/v1/traces "
                                           "(default: the OpenTelemetry SDK's OTEL_EXPORTER_OTLP_* environment)")
    parser.add_argument("--allow-damaged", action="store_true",
                        help="export what could be read when some lines of FILE are damaged (they are skipped)")


def run(args: argparse.Namespace) -> int:
    if (args.to == "otlp") == (args.output is not None):
        print("tickscope export: --to otlp sends to --endpoint and writes no file; the other formats need -o FILE",
              file=sys.stderr)
        return 2
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
    if args.to == "otlp":
        return _send_otlp(args, store)
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


def _send_otlp(args: argparse.Namespace, store: EventStore) -> int:
    events = len(store)
    try:
        result = export_otlp(store, args.endpoint)
    except OtelUnavailable as exc:
        print(f"tickscope export: {exc}", file=sys.stderr)
        return 1
    finally:
        store.close()
    where = args.endpoint or "the OTEL_EXPORTER_OTLP_* endpoint"
    if not result.ok:
        print(f"tickscope export: {where} refused {result.failed_requests} of {result.requests} request(s)",
              file=sys.stderr)
        return 1
    print(f"{where}: {result.spans} spans (otlp) in {result.requests} request(s) from {events} events")
    return 0
