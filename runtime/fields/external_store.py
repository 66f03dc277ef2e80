"""The `external_store` field declaration: one state field that mirrors an ExternalStore.

    Module("router-view", initial={"route": None, "title": ""}, fields=[
        external_store("route", router_store, select=lambda s: s["path"]),
        computed("title", deps=["route"], derive=str.upper),
    ])

How the field is wired and kept in sync is runtime.sources.external_fields.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final, Literal, get_args

from runtime.base.field_decl import FieldDecl, PathLike, as_field_path
from runtime.base.paths import path_text
from runtime.errors import DefinitionError

__all__ = ["OWNER_ORIGIN", "Priority", "external_store", "is_external_store"]

Priority = Literal["urgent", "nonUrgent"]

OWNER_ORIGIN: Final = "field-external-store"
_PRIORITIES: tuple[Priority, ...] = get_args(Priority)


def external_store(
    target: PathLike,
    store: Any,
    *,
    select: Callable[[Any], Any] | None = None,
    equals: Callable[[Any, Any], bool] | None = None,
    priority: Priority = "urgent",
    coalesce_window_ms: float | None = None,
    meta: Mapping[str, Any] | None = None,
) -> FieldDecl:
    """Declare that `target` mirrors `store` (an ExternalStore, or `from_module(...)`)."""
    tgt = as_field_path(target, "external_store target")
    where = f"external_store {path_text(tgt)}"
    if not is_external_store(store):
        raise DefinitionError(f"{where}: {store!r} is not an ExternalStore (it needs get_snapshot() and "
                              "subscribe(listener))")
    if select is not None and not callable(select):
        raise DefinitionError(f"{where}: select must be callable")
    if equals is not None and not callable(equals):
        raise DefinitionError(f"{where}: equals must be callable")
    if priority not in _PRIORITIES:
        raise DefinitionError(f"{where}: priority must be 'urgent' or 'nonUrgent', not {priority!r}")
    if coalesce_window_ms is not None and (isinstance(coalesce_window_ms, bool)
                                           or not isinstance(coalesce_window_ms, (int, float))
                                           or coalesce_window_ms < 0):
        raise DefinitionError(f"{where}: coalesce_window_ms must be a number of milliseconds, 0 or more "
                              "(0: no window)")
    options = {"store": store, "select": select, "priority": priority, "coalesce_window_ms": coalesce_window_ms,
               "meta": dict(meta or {}), "owner_origin": OWNER_ORIGIN}
    return FieldDecl("externalStore", tgt, (), None, equals, label=f"externalStore:{path_text(tgt)}",
                     converges=False, options=options)


def is_external_store(value: Any) -> bool:
    """An ExternalStore is anything with `get_snapshot()` and `subscribe(listener) -> unsubscribe`."""
    return callable(getattr(value, "get_snapshot", None)) and callable(getattr(value, "subscribe", None))
