"""Dirty sets back to field paths, as the inspector shows them.

A `state:update` event carries its dirty set as FieldPathIds plus the `staticIrDigest` of the module shape that
numbered them. The ids mean something only through the ConvergeStaticIrExport of that digest (its `fieldPaths`
table): with the table an id becomes `items.price`; without it the id is shown as `#7` with a warning, never
guessed from another generation's table. ("Which transactions touched path X" is the store's own index:
`store.index.txns_touching`.)
"""

from __future__ import annotations

from dataclasses import dataclass

from runtime.trace import DIRTY_ALL_ID, EventStore

__all__ = ["DirtyPath", "dirty_paths"]


@dataclass(frozen=True, slots=True)
class DirtyPath:
    """One root of a transaction's dirty set, as a user reads it."""

    path_id: int | None
    text: str
    """`items.price`, or `#7` when the id cannot be mapped."""
    known: bool
    """False when the digest's static IR is unknown or the id is outside its table."""


def dirty_paths(store: EventStore, row: int) -> tuple[list[DirtyPath], str | None]:
    """The dirty roots of a `state:update` row and a warning when some could not be mapped (else None)."""
    roots = store.dirty_roots(row)
    if roots == [DIRTY_ALL_ID]:
        reason = ((store.payload(row).get("meta") or {}).get("dirtySet") or {}).get("reason", "unknown reason")
        return [DirtyPath(None, "* (everything)", True)], f"the transaction dirtied everything: {reason}"
    digest = store.digest_of(row)
    table = store.field_paths(digest) if digest else None
    out: list[DirtyPath] = []
    unknown = 0
    for pid in roots:
        if table is not None and 0 <= pid < len(table):
            out.append(DirtyPath(pid, ".".join(table[pid]), True))
        else:
            out.append(DirtyPath(pid, f"#{pid}", False))
            unknown += 1
    warning = None
    if unknown:
        why = "the static IR of its digest is unknown" if table is None else "they are outside the digest's table"
        warning = f"{unknown} id(s) shown as numbers: {why} ({digest or 'no digest'})"
    dirty = (store.payload(row).get("meta") or {}).get("dirtySet") or {}
    if dirty.get("rootIdsTruncated"):
        extra = f"only {len(out)} of {dirty.get('rootCount')} roots were exported"
        warning = f"{warning}; {extra}" if warning else extra
    return out, warning
