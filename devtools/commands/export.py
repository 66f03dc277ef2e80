"""`tickscope export FILE --to chrome|perfetto|evidence [-o OUT]`: convert a trace for other tools.

Without `-o`, the output sits next to FILE with the target's own ending (`t.jsonl` -> `t.trace.json`, `t.pftrace`,
`t.evidence.json`): names every viewer reads as what they hold. speedscope reads a name ending in `.chrome.json` as
a DevTools profile and fails on a trace, so such a name is written as asked, with a warning.
`tickscope export FILE --to otlp [--endpoint URL]` sends its runs, operations and ticks to an OpenTelemetry
collector instead.
`tickscope export FILE --to parquet -o DIR` writes the query tables (`tickscope query`) as Parquet files.

A damaged trace (lines the loader had to skip) is not exported silently: the skipped lines are named on stderr and
nothing is written (exit 1) unless `--allow-damaged` asks for the rest anyway.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from runtime.trace import (
    CHROME_SUFFIX,
    PERFETTO_SUFFIX,
    EventStore,
    LoadProblem,
    OtelUnavailable,
    PerfettoUnavailable,
    export_otlp,
    write_chrome_trace,
    write_evidence,
    write_perfetto_trace,
)

from .progress import load_with_progress

@dataclass(frozen=True, slots=True)
class Target:
    write: Callable[[EventStore, str], int]
    counted: str
    """What the count `write` returns counts."""
    suffix: str
    """The ending of the default output name."""


TARGETS: dict[str, Target] = {
    "chrome": Target(write_chrome_trace, "trace events", CHROME_SUFFIX),
    "perfetto": Target(write_perfetto_trace, "packets", PERFETTO_SUFFIX),
    "evidence": Target(write_evidence, "envelopes", ".evidence.json"),
}
FORMATS = (*TARGETS, "otlp", "parquet")  # otlp sends, parquet writes a directory
_NAMED = 5
_MISREAD = ".chrome.json"


def default_output(file: str, fmt: str) -> str:
    """`file` with its trace ending replaced by the target's."""
    path = Path(file)
    stem = path.name.removesuffix(".jsonl").removesuffix(".evidence.json").removesuffix(".json")
    return str(path.with_name(stem + TARGETS[fmt].suffix))


def _say_skipped(file: str, problems: Sequence[LoadProblem]) -> None:
    shown = "; ".join(f"line {p.line}: {p.message}" for p in problems[:_NAMED])
    more = f"; and {len(problems) - _NAMED} more" if len(problems) > _NAMED else ""
    print(f"tickscope export: {file} is damaged: {len(problems)} line(s) skipped ({shown}{more})", file=sys.stderr)


def add(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="a trace (.jsonl) or an evidence package (.json)")
    parser.add_argument("--to", choices=FORMATS, required=True,
                        help="chrome: Trace Event JSON; perfetto: .pftrace protobuf; evidence: EvidencePackage JSON; "
                             "otlp: OpenTelemetry spans sent to --endpoint; "
                             "parquet: the query tables as Parquet files in the directory -o")
    parser.add_argument("-o", "--output",
                        help="the file to write (default: FILE's name ending in .trace.json, .pftrace, .evidence.json);"
                             " parquet: the directory")
    parser.add_argument("--endpoint", help="otlp: the OTLP/HTTP traces URL, e.g. http://localhost:4318/v1/traces "
                                           "(default: the OpenTelemetry SDK's OTEL_EXPORTER_OTLP_* environment)")
    parser.add_argument("--allow-damaged", action="store_true",
                        help="export what could be read when some lines of FILE are damaged (they are skipped)")


def run(args: argparse.Namespace) -> int:
    if args.to == "otlp" and args.output is not None:
        print("tickscope export: --to otlp sends to --endpoint and writes no file; -o is for the file formats",
              file=sys.stderr)
        return 2
    if args.to == "parquet":  # streams the trace file table by table: never loads it into a store
        if args.output is None:
            print("tickscope export: --to parquet needs -o DIR (the directory for the tables)", file=sys.stderr)
            return 2
        from . import export_parquet

        return export_parquet.run(args)
    if args.to != "otlp" and args.output is None:
        args.output = default_output(args.file, args.to)
        if Path(args.output).resolve() == Path(args.file).resolve():
            print(f"tickscope export: the default output name is {args.file} itself; pass -o", file=sys.stderr)
            return 1
    if args.to == "chrome" and args.output.endswith(_MISREAD):
        print(f"tickscope export: note: speedscope reads a name ending in {_MISREAD} as a Chrome DevTools profile "
              f"and cannot open it; name it *.trace.json (or *.json) for speedscope", file=sys.stderr)
    store = load_with_progress(args.file)
    if store is None:
        return 1
    if store.problems:
        _say_skipped(args.file, store.problems)
        if not args.allow_damaged:
            nothing = "nothing sent" if args.to == "otlp" else f"nothing written to {args.output}"
            print(f"tickscope export: {nothing}; --allow-damaged exports the rest", file=sys.stderr)
            store.close()
            return 1
    if args.to == "otlp":
        return _send_otlp(args, store)
    target = TARGETS[args.to]
    try:
        count = target.write(store, args.output)
    except PerfettoUnavailable as exc:
        print(f"tickscope export: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"tickscope export: cannot write {args.output}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    finally:
        store.close()
    print(f"{args.output}: {count} {target.counted} ({args.to}) from {len(store)} events")
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
