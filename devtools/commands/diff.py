"""`tickscope diff A B [--json]`: compare two traces: per module and action, counts and duration percentiles of
transactions, converge decisions, ticks and runs side by side, what got slower, and which started degrading first.

The aggregation runs in DuckDB over each trace's tables (devtools/model/trace_tables.py), streamed from the files.
"""

from __future__ import annotations

import argparse
import sys

import orjson

from devtools.model.query_deps import QueryUnavailable
from runtime.trace import TraceFormatError

from .progress import ProgressBar

__all__ = ["add", "run"]


def add(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("a", help="the first trace (the baseline): .jsonl or an evidence package")
    parser.add_argument("b", help="the second trace, compared against A")
    parser.add_argument("--json", action="store_true", help="the comparison as one JSON object")
    parser.add_argument("--memory-limit", metavar="SIZE",
                        help="what each query may hold in memory before it spills to disk (DuckDB's syntax: 512MB)")


def run(args: argparse.Namespace) -> int:
    from devtools.model.diff_text import write_diff_text
    from devtools.model.trace_diff import diff_profiles
    from devtools.model.trace_profile import profile_trace

    profiles = []
    try:
        for path in (args.a, args.b):
            with ProgressBar(f"reading {path}") as bar:
                profiles.append(profile_trace(path, progress=bar.update, memory_limit=args.memory_limit))
    except (QueryUnavailable, TraceFormatError) as exc:
        print(f"tickscope diff: {exc}", file=sys.stderr)
        return 1
    diff = diff_profiles(*profiles)
    if args.json:
        sys.stdout.write(orjson.dumps(diff.to_json(), option=orjson.OPT_INDENT_2).decode() + "\n")
    else:
        write_diff_text(diff, sys.stdout)
    return 0
