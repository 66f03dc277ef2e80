"""`tickscope query TRACE "SQL" [--json | --csv]`: SQL (DuckDB) over a trace's tables, read out of core.

The tables (events, transactions, dirty_roots, patches, converge, runs, operations, operation_stages, ticks) are
described in devtools/model/trace_tables.py and docs/rules/traces.md; `tickscope query T --tables` lists them with
their columns.
"""

from __future__ import annotations

import argparse
import sys

from devtools.model.query_deps import QueryUnavailable
from devtools.model.query_output import write_aligned, write_csv, write_json
from runtime.trace import TraceFormatError

__all__ = ["add", "run"]


def add(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="a trace (.jsonl) or an evidence package (.json)")
    parser.add_argument("sql", nargs="?", help="the query, e.g. \"SELECT kind, count(*) FROM events GROUP BY kind\"")
    shape = parser.add_mutually_exclusive_group()
    shape.add_argument("--json", action="store_true", help="one JSON object per row (JSON Lines)")
    shape.add_argument("--csv", action="store_true", help="comma-separated values with a header row")
    parser.add_argument("--tables", action="store_true", help="list the tables and their columns")
    parser.add_argument("--memory-limit", metavar="SIZE",
                        help="what the query may hold in memory before it spills to disk (DuckDB's syntax: 512MB)")


def _list_tables(tables: object) -> str:
    from devtools.model.trace_tables import TABLES, TraceTables

    assert isinstance(tables, TraceTables)
    lines = []
    for name in TABLES:
        reader = tables.query(f"SELECT * FROM {name} LIMIT 0")
        lines.append(f"{name}: {', '.join(reader.schema.names)}")
    return "\n".join(lines) + "\n"


def run(args: argparse.Namespace) -> int:
    if not args.tables and not args.sql:
        print("tickscope query: give the SQL to run (or --tables to list the tables)", file=sys.stderr)
        return 2
    try:
        from devtools.model.trace_tables import TraceTables

        tables = TraceTables(args.file, memory_limit=args.memory_limit)
    except (QueryUnavailable, TraceFormatError) as exc:
        print(f"tickscope query: {exc}", file=sys.stderr)
        return 1
    try:
        if args.tables:
            sys.stdout.write(_list_tables(tables))
            return 0
        try:
            reader = tables.query(args.sql)
        except Exception as exc:  # DuckDB's errors (parser, binder, catalog) all say what is wrong with the SQL
            print(f"tickscope query: {type(exc).__name__}: {exc}", file=sys.stderr)
            return 1
        if reader is None:
            return 0
        names = list(reader.schema.names)
        write = write_json if args.json else write_csv if args.csv else write_aligned
        write(reader, names, sys.stdout)
        return 0
    finally:
        tables.close()
