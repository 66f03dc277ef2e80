"""The deadlines of one operations lane, each remembered with the event row that promised it.

A deadline belongs on the timeline only once its operation exists at the time shown: a replay cursor before an
operation's first event must not show its deadline. And an operation whose deadline moved (a retry with a new
budget) shows the deadline it had then, not every one it ever had. So each mark keeps the row of the event that set
it and the operation it belongs to, and `at(visible_rows)` answers for any prefix of the trace.

>>> marks = DeadlineMarks()
>>> marks.add(x=0.5, row=3, op=0); marks.add(x=0.4, row=7, op=0); marks.add(x=0.9, row=9, op=1)
>>> marks.at(3).tolist(), marks.at(4).tolist(), marks.at(8).tolist(), sorted(marks.at(10).tolist())
([], [0.5], [0.4], [0.4, 0.9])
"""

from __future__ import annotations

import numpy as np

__all__ = ["DeadlineMarks"]


class DeadlineMarks:
    """Append-only (x, row, operation) triples, in row order."""

    __slots__ = ("_x", "_rows", "_ops", "version")

    def __init__(self) -> None:
        self._x: list[float] = []
        self._rows: list[int] = []
        self._ops: list[int] = []
        self.version = 0

    def __len__(self) -> int:
        return len(self._x)

    def add(self, *, x: float, row: int, op: int) -> None:
        """Operation `op` promised the deadline at `x` (seconds since the origin) in event `row`."""
        self._x.append(x)
        self._rows.append(row)
        self._ops.append(op)
        self.version += 1

    def release(self, n: int, gone: set[int]) -> None:
        """The store let its oldest `n` rows go: forget the marks of the operations in `gone`, move the rows of the
        others down by n (below 0: the event that set it was let go; the mark still holds)."""
        kept = [i for i, op in enumerate(self._ops) if op not in gone]
        self._x = [self._x[i] for i in kept]
        self._rows = [self._rows[i] - n for i in kept]
        self._ops = [self._ops[i] for i in kept]
        self.version += 1

    def at(self, visible_rows: int) -> np.ndarray:
        """x of the deadline each operation had once the first `visible_rows` rows happened (float64)."""
        rows = np.asarray(self._rows, np.int64)
        seen = np.flatnonzero(rows < visible_rows)
        if seen.size == 0:
            return np.empty(0, np.float64)
        newest_first = seen[::-1]
        _, first = np.unique(np.asarray(self._ops, np.int64)[newest_first], return_index=True)
        return np.asarray(self._x, np.float64)[newest_first[first]]
