"""Mapping root ids back to field paths: only here, at the display/export boundary, and only by digest.

A FieldPathId means something only within the static IR it came from, so the lookup takes the digest the event
named and refuses (returns None) when that digest is unknown, rather than guessing with another table.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["root_paths"]


def root_paths(root_ids: Iterable[int], digest: str | None, irs_by_digest: Mapping[str, Any]) -> list[str] | None:
    """Dotted paths of `root_ids` through the IR export (or `{"fieldPaths": ...}`) of `digest`; None if unknown."""
    if digest is None:
        return None
    ir = irs_by_digest.get(digest)
    if ir is None:
        return None
    table = ir["fieldPaths"]
    out = []
    for pid in root_ids:
        if not 0 <= pid < len(table):
            return None  # an id outside the table: the digest cannot be this IR's
        out.append(".".join(table[pid]))
    return out
