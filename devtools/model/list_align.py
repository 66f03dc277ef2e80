"""Two versions of a list aligned by what they share, so a shift reads as one removal and one insertion.

Compared index by index, a ring buffer that dropped its oldest item and appended a new one differs at every index;
aligned (a shortest edit script, Myers' O((N+M)·D) algorithm after the common head and tail are set aside), it is one
item removed at the front and one added at the end. A removal right next to an insertion becomes a change of that
item, so an edited element still opens to show what changed inside it.

Alignment is bounded: past MAX_WORK comparisons it gives up (returns None) and the caller compares index by index
and says so; a list of a million items never holds up the GUI.

>>> [(s.status, s.before, s.after) for s in align([1, 2, 3, 4], [2, 3, 4, 5])]
[('removed', 0, None), ('same', 1, 0), ('same', 2, 1), ('same', 3, 2), ('added', None, 3)]
>>> [(s.status, s.before, s.after) for s in align(["a", "b"], ["a", "c"])]
[('same', 0, 0), ('changed', 1, 1)]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

__all__ = ["Step", "align", "by_index", "MAX_WORK"]

MAX_WORK = 100_000
"""Comparisons an alignment may spend (some tens of milliseconds in CPython) before it gives up."""


@dataclass(frozen=True, slots=True)
class Step:
    """One position of the aligned lists: an item kept, changed, removed (before only) or added (after only)."""

    status: Literal["same", "changed", "removed", "added"]
    before: int | None
    after: int | None


def by_index(before: Sequence[Any], after: Sequence[Any]) -> list[Step]:
    """The plain comparison: item i against item i."""
    steps = [Step("same" if before[i] == after[i] else "changed", i, i) for i in range(min(len(before), len(after)))]
    steps += [Step("removed", i, None) for i in range(len(after), len(before))]
    steps += [Step("added", None, j) for j in range(len(before), len(after))]
    return steps


def align(before: Sequence[Any], after: Sequence[Any], max_work: int = MAX_WORK) -> list[Step] | None:
    """The aligned steps from `before` to `after`, or None when aligning would cost more than `max_work`."""
    n, m = len(before), len(after)
    head = 0
    while head < n and head < m and before[head] == after[head]:
        head += 1
    tail = 0
    while tail < n - head and tail < m - head and before[n - 1 - tail] == after[m - 1 - tail]:
        tail += 1
    edits = _myers(before[head:n - tail], after[head:m - tail], max_work - head - tail)
    if edits is None:
        return None
    steps = [Step("same", i, i) for i in range(head)]
    steps += _pair_changes([Step(s.status, _shift(s.before, head), _shift(s.after, head)) for s in edits])
    steps += [Step("same", n - tail + k, m - tail + k) for k in range(tail)]
    return steps


def _shift(i: int | None, by: int) -> int | None:
    return None if i is None else i + by


def _myers(a: Sequence[Any], b: Sequence[Any], max_work: int) -> list[Step] | None:
    """A shortest edit script of a -> b as same / removed / added steps (None past `max_work`)."""
    n, m = len(a), len(b)
    if not n or not m:
        return [Step("removed", i, None) for i in range(n)] + [Step("added", None, j) for j in range(m)]
    v: dict[int, int] = {1: 0}  # the furthest x on each diagonal k = x - y, after the previous round
    rounds: list[dict[int, int]] = []
    work = 0
    for d in range(n + m + 1):
        reached: dict[int, int] = {}
        for k in range(-d, d + 1, 2):
            start = v[k + 1] if k == -d or (k != d and v[k - 1] < v[k + 1]) else v[k - 1] + 1  # down: insert
            x, y = start, start - k
            while x < n and y < m and a[x] == b[y]:
                x += 1
                y += 1
            work += x - start + 1
            reached[k] = x
            if x >= n and y >= m:
                rounds.append(reached)
                return _backtrack(rounds, n, m)
            if work > max_work:
                return None
        rounds.append(reached)
        v = reached
    return None  # unreachable: round n + m always reaches the end


def _backtrack(rounds: list[dict[int, int]], n: int, m: int) -> list[Step]:
    steps: list[Step] = []
    x, y = n, m
    for d in range(len(rounds) - 1, 0, -1):
        v = rounds[d - 1]
        k = x - y
        prev_k = k + 1 if k == -d or (k != d and v[k - 1] < v[k + 1]) else k - 1
        prev_x = v[prev_k]
        prev_y = prev_x - prev_k
        while x > prev_x and y > prev_y:
            x, y = x - 1, y - 1
            steps.append(Step("same", x, y))
        steps.append(Step("added", None, prev_y) if x == prev_x else Step("removed", prev_x, None))
        x, y = prev_x, prev_y
    while x > 0 and y > 0:
        x, y = x - 1, y - 1
        steps.append(Step("same", x, y))
    steps.reverse()
    return steps


def _pair_changes(steps: list[Step]) -> list[Step]:
    """Removals directly followed by insertions (or the other way round) become changes, pair by pair."""
    out: list[Step] = []
    i = 0
    while i < len(steps):
        if steps[i].status == "same":
            out.append(steps[i])
            i += 1
            continue
        j = i
        while j < len(steps) and steps[j].status != "same":
            j += 1
        removed = [s for s in steps[i:j] if s.status == "removed"]
        added = [s for s in steps[i:j] if s.status == "added"]
        pairs = min(len(removed), len(added))
        out += [Step("changed", r.before, a.after) for r, a in zip(removed[:pairs], added[:pairs], strict=True)]
        out += removed[pairs:] + added[pairs:]
        i = j
    return out
