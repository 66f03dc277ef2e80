"""The trace tables as Parquet files (pyarrow), one per table, streamed batch by batch: `DIR/events.parquet`, ...

The same SQL then runs in DuckDB, ClickHouse or Spark over the files of many traces gathered in one place
(`SELECT kind, count(*) FROM 'traces/*/events.parquet' GROUP BY kind`).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from .query_deps import pyarrow_parquet
from .trace_tables import TABLES, TraceTables

__all__ = ["write_parquet_tables"]


def write_parquet_tables(trace: str | os.PathLike[str], out_dir: str | os.PathLike[str], *,
                         progress: Callable[[int, int], None] | None = None) -> dict[str, int]:
    """Write every table of `trace` to `out_dir/<table>.parquet`; returns the rows written per table. The trace is
    never loaded whole: each table streams from the file into its Parquet writer."""
    pq = pyarrow_parquet()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    with TraceTables(trace) as tables:
        for i, name in enumerate(TABLES):
            reader = tables.query(f"SELECT * FROM {name} LIMIT 0")
            writer = pq.ParquetWriter(out / f"{name}.parquet", reader.schema, compression="zstd")
            rows = 0
            try:
                for batch in tables.batches(name):
                    writer.write_batch(batch)
                    rows += batch.num_rows
            finally:
                writer.close()
            counts[name] = rows
            if progress is not None:
                progress(i + 1, len(TABLES))
    return counts
