"""Quoting values in messages: an error or an acknowledgement names the offending value, never repeats it whole.

    quoted("x" * 10_000)   # "'xxxx…' (cut: 10002 characters)": 256 characters of it at most, marked cut
"""

from __future__ import annotations

__all__ = ["QUOTE_LIMIT", "cut_text", "quoted"]

QUOTE_LIMIT = 256
"""Characters of a quoted value a message keeps."""


def cut_text(text: str, limit: int = QUOTE_LIMIT) -> str:
    """`text` when it fits in `limit` characters, else its first `limit` marked cut with its full length."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… (cut: {len(text)} characters)"


def quoted(value: object, limit: int = QUOTE_LIMIT) -> str:
    """The repr of `value`, cut to `limit` characters (a repr that raises is named by its error instead)."""
    try:
        text = repr(value)
    except Exception as err:  # a message about a value must not fail because of that value
        text = f"<{type(value).__name__} whose repr raised {type(err).__name__}>"
    return cut_text(text, limit)
