"""Text cut to a number of characters with one "…", for the inspector's HTML sections (which have no QFontMetrics
elision of their own)."""

from __future__ import annotations

__all__ = ["elide_end", "elide_middle"]


def elide_end(text: str, chars: int) -> str:
    """`reading.history.m…`: the front kept, at most `chars` characters."""
    return text if len(text) <= chars else text[: max(1, chars - 1)] + "…"


def elide_middle(text: str, chars: int, *, front_part: int = 2) -> str:
    """`reading.hi…story.min`: both ends kept, at most `chars` characters. One `front_part`-th of what is kept comes
    from the front (3 for a file path, whose end names the file)."""
    if len(text) <= chars:
        return text
    keep = max(1, chars - 1)
    head = -(-keep // front_part)
    return text[:head] + "…" + text[len(text) - (keep - head):]
