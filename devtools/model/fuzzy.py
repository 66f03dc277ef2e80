"""Fuzzy matching for the command palette: a query matches a text when its characters appear in it in order.

A whole-substring match ranks first (earlier is better), then subsequence matches by how tight they are and how many
of their characters start a word ("ct" finds "Compare with trace" by its word starts, "Clear filters" too).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

__all__ = ["fuzzy_filter", "fuzzy_score"]

T = TypeVar("T")


def _word_start(text: str, i: int) -> bool:
    return i == 0 or not text[i - 1].isalnum()


def fuzzy_score(query: str, text: str) -> float | None:
    """How well `query` matches `text` (higher is better; case-insensitive), None when it does not."""
    q = query.strip().lower()
    t = text.lower()
    if not q:
        return 0.0
    at = t.find(q)
    if at >= 0:
        return 1000.0 - at + (50.0 if _word_start(t, at) else 0.0)
    score = 0.0
    pos = -1
    for ch in q:
        if ch == " ":
            continue
        nxt = t.find(ch, pos + 1)
        # prefer the next word start holding this character over an earlier letter in the middle of a word
        start = next((j for j in range(nxt, len(t)) if t[j] == ch and _word_start(t, j)), -1) if nxt >= 0 else -1
        if nxt < 0:
            return None
        if start >= 0 and (start == nxt or start - nxt < 12):
            nxt = start
            score += 10.0
        score -= (nxt - pos - 1) * 0.5
        pos = nxt
    return score


def fuzzy_filter(query: str, items: Sequence[T], text: Callable[[T], str]) -> list[T]:
    """The items whose text matches `query`, best first (ties keep their order); all of them for an empty query."""
    scored = [(s, i, item) for i, item in enumerate(items) if (s := fuzzy_score(query, text(item))) is not None]
    scored.sort(key=lambda e: (-e[0], e[1]))
    return [item for _s, _i, item in scored]
