"""The symbols the devtools write in their text, all of them in DejaVu Sans (the font a bare Debian has, and CI).

A symbol the font lacks renders as an empty box: "⏸ Pause" and "⏪ REPLAY" did on a fresh machine. Text uses only
the symbols below; controls that want a picture (play, pause, skip) use Qt's own icons, which need no font.
`missing_glyphs` says what a font cannot show; the window test checks every visible text with it.
"""

from __future__ import annotations

from PySide6.QtGui import QFont, QFontMetrics

__all__ = ["PAST", "STEP_BACK", "STEP_ON", "BACK", "ON", "RECORD", "STOP", "missing_glyphs"]

PAST = "◀◀"
"""Marks a view of the past (time travel, a replay cursor before the end)."""
STEP_BACK = "‹"
STEP_ON = "›"
BACK = "◀"
ON = "▶"
RECORD = "●"
STOP = "■"


def missing_glyphs(text: str, font: QFont) -> str:
    """The characters of `text` that `font` has no glyph for (spaces and control characters aside), in order."""
    metrics = QFontMetrics(font)
    out = []
    for ch in text:
        if ch.isspace() or not ch.isprintable() or ch in out:
            continue
        if not metrics.inFontUcs4(ord(ch)):
            out.append(ch)
    return "".join(out)
