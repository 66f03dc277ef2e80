"""Lists of rows that survive a store letting its oldest rows go, without renumbering what they hold.

The indexes keep absolute row numbers: the n-th row the store ever held is n, whatever was let go since. A store
that let `base` rows go answers with rows `absolute - base`; `rows_view` hands out such a list lazily (nothing is
copied until someone asks for `tolist()`), and hands out the array itself while nothing was let go, which is every
loaded trace. Letting rows go then renumbers nothing: `drop_below` cuts a list's released prefix (one memmove), and
`drop_released` does it for every list of a dict, dropping the lists left empty.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Iterator, Sequence
from typing import Protocol, overload

__all__ = ["RowList", "ShiftedRows", "rows_view", "drop_below", "drop_released"]


class RowList(Protocol):
    """Rows in order: an `array('q')`, or a ShiftedRows over one."""

    def __len__(self) -> int: ...

    def __getitem__(self, i: int, /) -> int: ...

    def __iter__(self) -> Iterator[int]: ...

    def __reversed__(self) -> Iterator[int]: ...

    def tolist(self) -> list[int]: ...


class ShiftedRows(Sequence[int]):
    """`rows[i] - base` for each absolute row of `rows`, read lazily."""

    __slots__ = ("_rows", "_base")

    def __init__(self, rows: array[int], base: int) -> None:
        self._rows = rows
        self._base = base

    def __len__(self) -> int:
        return len(self._rows)

    @overload
    def __getitem__(self, i: int) -> int: ...

    @overload
    def __getitem__(self, i: slice) -> list[int]: ...

    def __getitem__(self, i: int | slice) -> int | list[int]:
        if isinstance(i, slice):
            base = self._base
            return [r - base for r in self._rows[i]]
        return self._rows[i] - self._base

    def __iter__(self) -> Iterator[int]:
        base = self._base
        return (r - base for r in self._rows)

    def __reversed__(self) -> Iterator[int]:
        base = self._base
        return (r - base for r in reversed(self._rows))

    def tolist(self) -> list[int]:
        base = self._base
        return [r - base for r in self._rows]


def rows_view(rows: array[int], base: int) -> RowList:
    """The rows of `rows` (absolute) as the store numbers them now."""
    return rows if not base else ShiftedRows(rows, base)


def drop_below(rows: array[int], first: int) -> None:
    """Remove the rows below `first` from a sorted list (in place)."""
    if rows and rows[0] < first:
        del rows[: bisect_left(rows, first)]


def drop_released(lists: dict[int, array[int]], first: int) -> list[int]:
    """Cut every list of `lists` (each sorted) below row `first`; remove the lists left empty and return their keys.

    Every list is looked at (a list cut before starts later than lists added after it, so no order lets the walk
    stop early), but one that keeps all its rows costs one comparison, and the dicts hold only lists with rows kept.
    """
    emptied: list[int] = []
    for key, rows in lists.items():
        if rows[0] >= first:
            continue
        if rows[-1] < first:
            emptied.append(key)
        else:
            drop_below(rows, first)
    for key in emptied:
        del lists[key]
    return emptied

