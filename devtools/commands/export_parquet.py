"""`tickscope export FILE --to parquet -o DIR`: the trace tables (see `tickscope query --tables`) as Parquet files."""

from __future__ import annotations

import argparse
import sys

from devtools.model.query_deps import QueryUnavailable
from runtime.trace import TraceFormatError

from .progress import ProgressBar

__all__ = ["run"]


def run(args: argparse.Namespace) -> int:
    from devtools.model.parquet_tables import write_parquet_tables

    try:
        with ProgressBar(f"writing tables of {args.file}") as bar:
            counts = write_parquet_tables(args.file, args.output, progress=bar.update)
    except (QueryUnavailable, TraceFormatError) as exc:
        print(f"tickscope export: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"tickscope export: cannot write {args.output}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    shown = ", ".join(f"{name} {n}" for name, n in counts.items())
    print(f"{args.output}: {len(counts)} Parquet tables ({shown})")
    return 0
