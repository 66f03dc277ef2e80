"""Any event, state or value as JSON: "Copy as JSON" (orjson, indented, in the trace's notation) and a read-only
raw view with search.

    add_json_actions(menu, lambda: copy_text(value), "event", parent)    # both entries in a context menu
"""

from __future__ import annotations

from collections.abc import Callable
from PySide6.QtGui import QFontDatabase, QGuiApplication, QKeySequence, QShortcut, QTextCursor
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

__all__ = ["RawView", "add_json_actions"]


class RawView(QDialog):
    """The JSON of one value, read-only in a monospace font; the search box finds (Enter: the next match)."""

    def __init__(self, title: str, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("rawView")
        self.setWindowTitle(f"Raw view: {title}")
        self.text = QPlainTextEdit(text, self)
        self.text.setObjectName("rawText")
        self.text.setReadOnly(True)
        self.text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.search = QLineEdit(self)
        self.search.setObjectName("rawSearch")
        self.search.setPlaceholderText("Find…  (Enter: next match)")
        self.search.setClearButtonEnabled(True)
        self.found = QLabel(self)
        self.found.setObjectName("rawFound")
        copy = QPushButton("Copy as JSON", self)
        copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(self.text.toPlainText()))
        row = QHBoxLayout()
        row.addWidget(self.search, 1)
        row.addWidget(self.found)
        row.addWidget(copy)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.text, 1)
        self.search.textChanged.connect(lambda _t: self.find_next(from_start=True))
        self.search.returnPressed.connect(self.find_next)
        QShortcut(QKeySequence.StandardKey.Find, self, self.search.setFocus)
        self.resize(640, 520)

    def find_next(self, *, from_start: bool = False) -> bool:
        """Select the next match of the search text (wrapping at the end); say how many there are."""
        needle = self.search.text()
        if not needle:
            self.found.setText("")
            return False
        count = self.text.toPlainText().lower().count(needle.lower())
        if from_start:
            self.text.moveCursor(QTextCursor.MoveOperation.Start)
        hit = self.text.find(needle)
        if not hit:  # past the last match: wrap around
            self.text.moveCursor(QTextCursor.MoveOperation.Start)
            hit = self.text.find(needle)
        self.found.setText(f"{count} match{'' if count == 1 else 'es'}" if count else "no match")
        self.found.setStyleSheet("" if count else "color:#d64545")
        return bool(hit)


def add_json_actions(menu: QMenu, json_text: Callable[[], str], title: str, parent: QWidget, noun: str = "") -> None:
    """"Copy as JSON" and "Raw view…" of the JSON `json_text()` gives when chosen (`title` names it in the view;
    `noun` in the entries: "Copy event as JSON", "Raw view of the event…")."""
    menu.addAction(f"Copy {noun} as JSON" if noun else "Copy as JSON",
                   lambda: QGuiApplication.clipboard().setText(json_text()))

    def raw() -> None:
        view = RawView(title, json_text(), parent)
        view.setModal(False)
        view.show()  # not exec(): a nested event loop would stall the runtime's tasks

    menu.addAction(f"Raw view of the {noun}…" if noun else "Raw view…", raw)
