"""`tickscope import EVIDENCE -o TRACE`: turn an EvidencePackage into a trace file."""

from __future__ import annotations

import argparse
import sys

from runtime.trace import TraceFormatError, evidence_to_trace


def add(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="an EvidencePackage (.json)")
    parser.add_argument("-o", "--output", required=True, help="the trace file to write (.jsonl)")


def run(args: argparse.Namespace) -> int:
    try:
        problems = evidence_to_trace(args.file, args.output)
    except TraceFormatError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"tickscope import: cannot write {args.output}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    for p in problems[:20]:
        print(f"{args.file}: skipped envelope {p.line}: {p.message}")
    print(f"{args.output}: written from {args.file}" + (f" ({len(problems)} envelopes skipped)" if problems else ""))
    return 0
