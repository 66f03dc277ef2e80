"""Which timeline lanes are shown and how: pinned lanes on top (in the order pinned), hidden lanes left out,
collapsed lanes drawn thin. Pure Python; kept with the trace's bookmarks in its sidecar file (`to_json`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .timeline_model import Lane

__all__ = ["LaneLayout", "COLLAPSED_WEIGHT"]

COLLAPSED_WEIGHT = 0.35
"""A collapsed lane's height, as a share of an expanded one's."""


class LaneLayout:
    """The user's choices about lanes, by lane key (`shop#1/txn`); a key of a lane not (yet) there is kept."""

    def __init__(self) -> None:
        self.pinned: list[str] = []
        self.hidden: list[str] = []
        """In the order hidden (the list the user brings them back from)."""
        self.collapsed: set[str] = set()
        self.version = 0

    def _changed(self) -> None:
        self.version += 1

    def pin(self, key: str, on: bool = True) -> None:
        self._toggle(self.pinned, key, on)

    def hide(self, key: str, on: bool = True) -> None:
        self._toggle(self.hidden, key, on)

    def _toggle(self, keys: list[str], key: str, on: bool) -> None:
        """Add `key` at the end of `keys` (on) or take it out; the order of the others stays."""
        if on and key not in keys:
            keys.append(key)
        elif not on and key in keys:
            keys.remove(key)
        self._changed()

    def collapse(self, key: str, on: bool = True) -> None:
        (self.collapsed.add if on else self.collapsed.discard)(key)
        self._changed()

    def arrange(self, lanes: Sequence[Lane]) -> list[Lane]:
        """`lanes` (in the model's order) as shown: hidden ones out, pinned ones first."""
        shown = [lane for lane in lanes if lane.key not in self.hidden]
        rank = {key: i for i, key in enumerate(self.pinned)}
        return sorted(shown, key=lambda lane: rank.get(lane.key, len(rank)))  # stable: the rest keep their order

    def weights(self, lanes: Sequence[Lane]) -> list[float]:
        return [COLLAPSED_WEIGHT if lane.key in self.collapsed else 1.0 for lane in lanes]

    def to_json(self) -> dict[str, Any]:
        return {"pinned": list(self.pinned), "hidden": list(self.hidden), "collapsed": sorted(self.collapsed)}

    def load_json(self, data: object) -> None:
        """Take what `to_json` wrote; raises ValueError naming what is malformed (nothing is applied then)."""
        if not isinstance(data, dict):
            raise ValueError(f"lanes: expected an object, got {type(data).__name__}")
        lists = {}
        for name in ("pinned", "hidden", "collapsed"):
            value = data.get(name, [])
            if not isinstance(value, list) or not all(isinstance(k, str) for k in value):
                raise ValueError(f"lanes.{name}: expected a list of lane keys")
            lists[name] = value
        self.pinned, self.hidden, self.collapsed = lists["pinned"], lists["hidden"], set(lists["collapsed"])
        self._changed()
