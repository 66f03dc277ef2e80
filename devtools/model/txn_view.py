"""What the inspector needs to know about one event: its transaction, its rows, and the states around it.

Pure functions over the columnar store (no Qt): given a row, find the `state:update` of its transaction, the
previous state of the same instance (for the before/after diff), the transaction's other events, and the errors
and downgrades among them.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field
from typing import Any

from .event_feed import TXN_KIND, EventFeed

__all__ = ["EventFacts", "facts_of", "last_state_row"]


@dataclass(frozen=True, slots=True)
class EventFacts:
    """Everything the inspector shows for one selected row."""

    row: int
    event: dict[str, Any]
    instance_id: str
    txn_id: str | None
    state_row: int | None
    """The `state:update` row of the event's transaction (or, outside a transaction, the latest one before it)."""
    state_event: dict[str, Any] | None
    previous_state_row: int | None
    """The `state:update` row of the same instance before `state_row` (None for the first)."""
    txn_rows: tuple[int, ...] = ()
    converge: dict[str, Any] | None = None
    errors: tuple[dict[str, Any], ...] = ()
    """errorSummary objects of the transaction's events (or of the event itself)."""
    downgrades: tuple[tuple[str, str], ...] = ()
    """(event label, downgrade reason) of the transaction's events whose payload export cut or converted
    (`oversized`, `non_serializable`): a fact about the recorded copy, not about the transaction."""
    in_txn: bool = field(default=False)


def last_state_row(feed: EventFeed, instance_id: str, before: int) -> int | None:
    """The newest `state:update` row of an instance below row `before` (bisect, then a short walk back)."""
    store = feed.store
    code = store.kinds.find(TXN_KIND)
    if code is None:
        return None
    rows = store.index.rows_of_instance(instance_id)
    i = bisect_left(rows, before) - 1
    kinds = store.kind
    while i >= 0:  # every transaction exports ~3 rows of its instance, so this walks a few steps
        if kinds[rows[i]] == code:
            return int(rows[i])
        i -= 1
    return None


def facts_of(feed: EventFeed, row: int) -> EventFacts:
    """Collect the facts of `row` (it must be a visible row)."""
    store = feed.store
    event = store.payload(row)
    iid = store.instance_of(row)
    txn = int(store.txn[row])
    txn_rows: tuple[int, ...] = ()
    state_row: int | None = None
    if txn:
        txn_rows = tuple(int(r) for r in store.index.rows_of_txn(iid, txn) if r < len(feed))
        state_row = next((r for r in txn_rows if store.kind_of(r) == TXN_KIND), None)
    if state_row is None:
        state_row = last_state_row(feed, iid, row + 1)
    previous = last_state_row(feed, iid, state_row) if state_row is not None else None
    converge = None
    errors: list[dict[str, Any]] = []
    downgrades: list[tuple[str, str]] = []
    for r in txn_rows or (row,):
        ev = store.payload(r)
        if ev.get("kind") == "trait:converge":
            converge = ev.get("meta")
        if isinstance(ev.get("errorSummary"), dict):
            errors.append({**ev["errorSummary"], "_label": ev.get("label")})
        dg = ev.get("downgrade")
        if isinstance(dg, dict) and dg.get("reason"):
            downgrades.append((str(ev.get("label") or ev.get("kind")), str(dg["reason"])))
    state_event = store.payload(state_row) if state_row is not None else None
    if converge is None and state_event is not None and txn:
        converge = ((state_event.get("meta") or {}).get("fieldSummary") or {}).get("converge")
    return EventFacts(row=row, event=event, instance_id=iid, txn_id=store.txn_id_of(row), state_row=state_row,
                      state_event=state_event, previous_state_row=previous, txn_rows=txn_rows, converge=converge,
                      errors=tuple(errors), downgrades=tuple(dict.fromkeys(downgrades)), in_txn=bool(txn))
