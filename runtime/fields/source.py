"""The `source` field declaration: an async resource selected by a key of the state, held in one field.

    user_source = source("user", deps=["userId"], key=lambda s: s["userId"], load=fetch_user)

The field holds `{status: idle | loading | success | error, keyHash, data, error}`; how loads run and write it is
runtime.sources.source_fields.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Literal, get_args

from runtime.base.field_decl import FieldDecl, PathLike, as_field_path
from runtime.base.paths import path_text
from runtime.errors import DefinitionError

__all__ = ["IDLE", "SOURCE_CONCURRENCY", "SourceConcurrency", "source"]

SourceConcurrency = Literal["switch", "exhaust-trailing"]
SOURCE_CONCURRENCY: tuple[SourceConcurrency, ...] = get_args(SourceConcurrency)
IDLE: dict[str, Any] = {"status": "idle", "keyHash": None, "data": None, "error": None}


def source(target: PathLike, *, deps: Sequence[PathLike], key: Callable[[Any], Any],
           load: Callable[[Any], Awaitable[Any]], concurrency: SourceConcurrency = "switch",
           resource: str | None = None) -> FieldDecl:
    """Declare a source field. `key(state)` selects the resource (None: inactive); `load(key)` fetches it."""
    tgt = as_field_path(target, "source target")
    name = path_text(tgt)
    if not callable(key) or not callable(load):
        raise DefinitionError(f"source {name}: key and load must be callables")
    if concurrency not in SOURCE_CONCURRENCY:
        known = ", ".join(SOURCE_CONCURRENCY)
        raise DefinitionError(f"source {name}: concurrency {concurrency!r} is not one of {known}")
    dep_paths = tuple(as_field_path(d, f"source {name} dependency") for d in deps)
    if not dep_paths:
        raise DefinitionError(f"source {name}: declare the paths key() reads as deps")
    return FieldDecl("source", tgt, dep_paths, None, label=f"source:{name}", converges=False,
                     options={"key": key, "load": load, "concurrency": concurrency, "resource": resource or name})
