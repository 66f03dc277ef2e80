"""What the planner worked out for a set of dirty roots, kept by the roots, for one graph.

A plan (the steps reachable from some roots, in topological order) and whether it is cheap (the roots' closures add
up to at most a share of the steps) are functions of the graph and the roots alone, so working them out again for a
write pattern seen before gives the same answer. Without a usable inline key (more than 64 roots) diagnostics-off
planning did just that every transaction: some 6 us of sums over 150 roots to decide `fast_full` in a 0.12 ms
transaction, 22 us of unions and sorting for a dirty plan of those roots. A memo is that work's answer looked up by
the roots (one tuple hash) instead; it holds no more than LIMIT root sets and starts over past that, and the planner
empties it when the graph changes.
"""

from __future__ import annotations

__all__ = ["RootsMemo", "UNKNOWN"]

LIMIT = 64
"""Root sets kept (a write pattern's roots are one tuple: a few kilobytes at most)."""

Plan = tuple[int, ...] | None


class _Unknown:
    __slots__ = ()

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Plan = _Unknown()  # type: ignore[assignment]
"""What `get` says for roots not worked out yet (a memoised answer may be None)."""


class RootsMemo:
    """Roots -> a plan, or None, as the planner worked it out for them on the current graph."""

    __slots__ = ("_found",)

    def __init__(self) -> None:
        self._found: dict[tuple[int, ...], Plan] = {}

    def get(self, roots: tuple[int, ...]) -> Plan:
        """The answer kept for `roots`, UNKNOWN when there is none."""
        return self._found.get(roots, UNKNOWN)

    def keep(self, roots: tuple[int, ...], answer: Plan) -> Plan:
        """Keep `answer` for `roots` and hand it back."""
        found = self._found
        if len(found) >= LIMIT:
            found.clear()
        found[roots] = answer
        return answer

    def clear(self) -> None:
        self._found.clear()

    def __len__(self) -> int:
        return len(self._found)
