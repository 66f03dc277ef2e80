"""DuckDB and pyarrow, imported only by the query and Parquet code paths (the `query` extra), with one clear error
when they are missing."""

from __future__ import annotations

import importlib
from types import ModuleType

__all__ = ["QueryUnavailable", "duckdb", "pyarrow", "pyarrow_parquet"]

_EXTRA = "pip install 'tickscope[query]'"


class QueryUnavailable(RuntimeError):
    """DuckDB or pyarrow is not installed."""


def _need(name: str, what: str) -> ModuleType:
    try:
        return importlib.import_module(name)
    except ImportError:
        raise QueryUnavailable(f"{what} needs {name.split('.')[0]}, from the `query` extra: {_EXTRA}") from None


def duckdb() -> ModuleType:
    return _need("duckdb", "SQL over traces")


def pyarrow() -> ModuleType:
    return _need("pyarrow", "SQL over traces")


def pyarrow_parquet() -> ModuleType:
    return _need("pyarrow.parquet", "Parquet export")
