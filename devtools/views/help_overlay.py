"""The keyboard shortcuts, listed over the window (F1 or ?; Esc or a click closes it)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QRect, Qt
from PySide6.QtGui import QColor, QKeyEvent, QMouseEvent, QPainter, QPaintEvent
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

__all__ = ["HelpOverlay", "SHORTCUTS"]

SHORTCUTS: tuple[tuple[str, str, str], ...] = (
    # (group, keys, what)
    ("General", "F1 / ?", "Show or hide this help"),
    ("General", "Ctrl+K", "Command palette: every command, by name"),
    ("General", "Ctrl+O", "Open a recorded trace"),
    ("General", "Ctrl+R", "Start / stop recording the live session"),
    ("General", "Ctrl+E", "Export (Chrome trace, Perfetto, evidence package)"),
    ("General", "Ctrl+,", "Settings"),
    ("General", "Ctrl+Q", "Quit"),
    ("Events", "Ctrl+F", "Search kind, label, instance"),
    ("Events", "Ctrl+P", "Filter by field path"),
    ("Events", "Ctrl+Shift+K", "Clear all filters and the selection"),
    ("Events", "F", "Follow the newest event (live)"),
    ("Events", "Esc", "Clear the selection"),
    ("Time travel", "Alt+B", "State before the selected transaction"),
    ("Time travel", "Alt+A", "State after the selected transaction"),
    ("Time travel", "Alt+L", "Back to the latest state"),
    ("Causality", "Ctrl+G", "Why did the selected transaction's fields recompute?"),
    ("Causality", "Ctrl+Shift+G", "The module's whole dependency graph (search, focus, collapse)"),
    ("Replay", "Space", "Play / pause"),
    ("Replay", "Left / Right", "Step one event"),
    ("Replay", "Shift+Left / Right", "Step one transaction"),
    ("Replay", "Ctrl+Left / Right", "Step one tick"),
    ("Replay", "Home / End", "To the start / end"),
    ("Timeline", "W / S", "Zoom in / out"),
    ("Timeline", "A / D", "Pan left / right"),
    ("Timeline", "0", "Fit the whole session"),
    ("Timeline", "Shift+drag", "Select an area: counts and duration p50 / p95 by kind (Esc clears)"),
    ("Timeline", "B", "Bookmark the time under the mouse (kept beside a recorded trace)"),
    ("Timeline", "Right-click a lane", "Pin it to the top, collapse or hide it; bookmark there"),
)


class HelpOverlay(QWidget):
    """A translucent sheet over its parent listing SHORTCUTS."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("helpOverlay")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        rows = []
        group = None
        for g, keys, what in SHORTCUTS:
            if g != group:
                rows.append(f"<tr><td colspan=2 style='padding-top:10px'><b>{g}</b></td></tr>")
                group = g
            rows.append(f"<tr><td style='padding-right:24px'><code>{keys}</code></td><td>{what}</td></tr>")
        self.label = QLabel("<h2>Keyboard shortcuts</h2><table>" + "".join(rows) + "</table>"
                            "<p style='color:#bbb'>Esc or a click closes this.</p>", self)
        self.label.setStyleSheet("color:white; font-size:13px")
        self.label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout = QVBoxLayout(self)
        layout.addWidget(self.label, 0, Qt.AlignmentFlag.AlignCenter)
        parent.installEventFilter(self)
        self.hide()

    def text(self) -> str:
        return self.label.text()

    def toggle(self) -> None:
        if self.isVisible():
            self.hide()
        else:
            self.setGeometry(self._sheet())
            self.raise_()
            self.show()
            self.setFocus()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.parentWidget() and event.type() == QEvent.Type.Resize and self.isVisible():
            self.setGeometry(self._sheet())
        return False

    def _sheet(self) -> QRect:
        """Where the sheet goes: all of its parent."""
        parent = self.parentWidget()
        return parent.rect() if parent is not None else self.rect()

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(20, 22, 26, 215))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Escape, Qt.Key.Key_F1, Qt.Key.Key_Question):
            self.hide()
            return
        super().keyPressEvent(event)

    def mousePressEvent(self, _event: QMouseEvent) -> None:
        self.hide()
