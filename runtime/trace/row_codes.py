"""How an EventStore codes its rows: the interned string tables, the flag and converge bits, the sentinel codes.

Shared by the store that writes the columns and by everything that reads them (indexes, replay, timeline, the
devtools' models).
"""

from __future__ import annotations

__all__ = [
    "CONVERGE_DEGRADED",
    "CONVERGE_DIRTY",
    "CONVERGE_FULL",
    "DIRTY_ALL_ID",
    "FLAG_DIRTY_ALL",
    "FLAG_DOWNGRADE",
    "FLAG_ERROR",
    "FLAG_ERROR_SUMMARY",
    "FLAG_TICK_END",
    "FLAG_WARNING",
    "NO_CODE",
    "Interned",
]

NO_CODE = 0xFFFFFFFF
"""An unsigned code column's "none" (e.g. a row naming no static IR digest)."""
DIRTY_ALL_ID = -1
"""The one root id stored for a state:update that dirtied everything."""

FLAG_DOWNGRADE = 1
FLAG_ERROR_SUMMARY = 2
FLAG_DIRTY_ALL = 4
FLAG_WARNING = 8
FLAG_ERROR = 16
FLAG_TICK_END = 32
"""A trace:tick event whose phase ends the tick (settled or budgetExceeded)."""

CONVERGE_DIRTY = 1
CONVERGE_FULL = 2
CONVERGE_DEGRADED = 4
"""`converge` column bits of a trait:converge row (mode in the low two bits)."""


class Interned:
    """A small table of distinct strings: `values[code]` and `code(value)`."""

    __slots__ = ("values", "codes")

    def __init__(self) -> None:
        self.values: list[str] = []
        self.codes: dict[str, int] = {}

    def code(self, value: str) -> int:
        c = self.codes.get(value)
        if c is None:
            c = self.codes[value] = len(self.values)
            self.values.append(value)
        return c

    def find(self, value: str) -> int | None:
        """The code of `value`, or None when it never occurred (or was forgotten)."""
        return self.codes.get(value)

    def forget(self, codes: list[int]) -> None:
        """Let the strings of `codes` go (no row uses them any more); their codes are never given again, and their
        `values` entries become empty strings."""
        values, table = self.values, self.codes
        for c in codes:
            value = values[c]
            if table.get(value) == c:
                del table[value]
            values[c] = ""

    def __len__(self) -> int:
        return len(self.values)
