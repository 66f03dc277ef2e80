"""The inspector's summary: rich text whose links carry tooltips (a patch's full path and values).

Qt's rich text has no tooltips of its own (a `title` attribute is ignored), so the browser keeps one text per link
and shows it for the link under the pointer.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QFontDatabase, QFontMetrics, QHelpEvent
from PySide6.QtWidgets import QTextBrowser, QToolTip, QWidget

__all__ = ["SummaryBrowser"]


class SummaryBrowser(QTextBrowser):
    """A read-only QTextBrowser with a tooltip per link."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setOpenLinks(False)
        self.tooltips: dict[str, str] = {}
        self.viewport().installEventFilter(self)

    def show_html(self, html: str, tooltips: dict[str, str]) -> None:
        self.tooltips = tooltips
        self.setHtml(html)

    def tooltip_at(self, anchor: str) -> str | None:
        return self.tooltips.get(anchor)

    def width_chars(self) -> int:
        """How many characters of code text fit on one line of the viewport."""
        fixed = QFontMetrics(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        usable = self.viewport().width() - 2 * int(self.document().documentMargin()) - 16
        return max(16, usable // max(1, fixed.horizontalAdvance("0")))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.viewport() and event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            text = self.tooltips.get(self.anchorAt(event.pos()))
            if text:
                QToolTip.showText(event.globalPos(), text, self.viewport())
            else:
                QToolTip.hideText()
                event.ignore()
            return True
        return super().eventFilter(watched, event)
