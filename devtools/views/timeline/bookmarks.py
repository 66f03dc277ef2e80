"""Bookmarks on the timeline: named moments of the session, drawn as dashed green lines with their names.

B (or "Add bookmark here" in a lane's context menu) adds one at the mouse, else at the selected event, else in the
middle of the view, and opens a name field in the timeline's bar (Enter keeps the name typed, Esc the default one).
The "Bookmarks" button lists them: choosing one brings it to the middle of the view; each can be removed there.
A bookmark is an event time (epoch ms), so it stays where it was whatever is loaded first; on a recorded trace the
list is kept in the trace's sidecar file (devtools.model.sidecar) by whoever listens to `changed`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QLineEdit, QMenu, QWidget

from ...model.sidecar import Bookmark
from ...model.time_units import unit_for
from .face import TimelineFace
from .menu_button import menu_button

__all__ = ["BookmarkBar", "BOOKMARK_PEN"]

BOOKMARK_PEN = pg.mkPen(color=(46, 160, 67), width=1.4, style=Qt.PenStyle.DashLine)


class _NameField(QLineEdit):
    """The name of the bookmark just added; Esc leaves the default name and gives the keys back to the timeline."""

    def __init__(self, done: Callable[[], None], parent: QWidget) -> None:
        super().__init__(parent)
        self._done = done

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self._done()
            return
        super().keyPressEvent(event)


class BookmarkBar:
    """The bookmarks of one timeline view: the list button, the name field, the lines on the plot."""

    def __init__(self, view: TimelineFace, parent: QWidget, changed: Callable[[], None]) -> None:
        self.view = view
        self._changed = changed
        self.bookmarks: list[Bookmark] = []
        self._lines: list[pg.InfiniteLine] = []
        self._editing: int | None = None
        self.button, self.menu = menu_button(parent, "bookmarksButton",
                                             "Bookmarks: choose one to bring it into view (B adds one)")
        self.name_field = _NameField(self._finish_naming, parent)
        self.name_field.setObjectName("bookmarkName")
        self.name_field.setPlaceholderText("bookmark name")
        self.name_field.setMaximumWidth(200)
        self.name_field.setVisible(False)
        self.name_field.returnPressed.connect(self._finish_naming)
        self.add_request: Callable[[], None] = lambda: None
        """What "Add bookmark" in the list does (the view adds one where the user points)."""
        self._refresh()

    def set_all(self, bookmarks: Sequence[Bookmark]) -> None:
        """Show these bookmarks (read from the sidecar); nothing is saved."""
        self.bookmarks = sorted(bookmarks, key=lambda b: b.ts_ms)
        self._refresh()

    def add(self, x: float, name: str | None = None) -> Bookmark:
        """A bookmark at x (seconds since the first event); without a name it gets a numbered one and the name
        field opens."""
        origin = self.view.model.origin_ms or 0.0
        bookmark = Bookmark(name or f"Bookmark {len(self.bookmarks) + 1}", origin + x * 1000.0)
        self.bookmarks.append(bookmark)
        self.bookmarks.sort(key=lambda b: b.ts_ms)
        self._refresh()
        self._changed()
        if name is None:
            self._editing = self.bookmarks.index(bookmark)
            self.name_field.setText(bookmark.name)
            self.name_field.setVisible(True)
            self.name_field.selectAll()
            self.name_field.setFocus()
        return bookmark

    def rename(self, index: int, name: str) -> None:
        name = name.strip()
        if not name or not 0 <= index < len(self.bookmarks):
            return
        self.bookmarks[index] = Bookmark(name, self.bookmarks[index].ts_ms)
        self._refresh()
        self._changed()

    def remove(self, index: int) -> None:
        del self.bookmarks[index]
        self._refresh()
        self._changed()

    def jump(self, index: int) -> None:
        """Bring bookmark `index` to the middle of the view."""
        self.view.centre_on(self.x_of(self.bookmarks[index]))

    def x_of(self, bookmark: Bookmark) -> float:
        return self.view.model.x_of(bookmark.ts_ms)

    def _finish_naming(self) -> None:
        if self._editing is not None:
            self.rename(self._editing, self.name_field.text())
        self._editing = None
        self.name_field.setVisible(False)
        if isinstance(self.view, QWidget):
            self.view.setFocus()

    def _refresh(self) -> None:
        self.button.setText(f"Bookmarks ({len(self.bookmarks)})")
        self.menu.clear()
        self.menu.addAction("Add bookmark (B)").triggered.connect(lambda: self.add_request())
        if self.bookmarks:
            self.menu.addSeparator()
            unit = unit_for(max(abs(self.x_of(b)) for b in self.bookmarks))
            remove = QMenu("Remove", self.menu)
            for i, bookmark in enumerate(self.bookmarks):
                when = unit.format(self.x_of(bookmark))
                self.menu.addAction(f"{bookmark.name} · {when}").triggered.connect(
                    lambda _=False, k=i: self.jump(k))
                remove.addAction(f"{bookmark.name} · {when}").triggered.connect(
                    lambda _=False, k=i: self.remove(k))
            self.menu.addSeparator()
            self.menu.addMenu(remove)
        self._redraw_lines()

    def _redraw_lines(self) -> None:
        plot = self.view.plot
        for line in self._lines:
            plot.removeItem(line)
        self._lines = []
        if self.view.model.origin_ms is None:
            return
        for bookmark in self.bookmarks:
            line = pg.InfiniteLine(pos=self.x_of(bookmark), angle=90, pen=BOOKMARK_PEN, movable=False,
                                   label=bookmark.name, labelOpts={"position": 0.92, "color": (30, 120, 50),
                                                                   "fill": (255, 255, 255, 200)})
            line.setZValue(11)
            plot.addItem(line, ignoreBounds=True)
            self._lines.append(line)

    def lines_shown(self) -> list[tuple[str, float]]:
        """(name, x) of each bookmark line on the plot."""
        return [(b.name, float(line.value())) for b, line in zip(self.bookmarks, self._lines, strict=True)]

    def redraw_if_needed(self) -> None:
        """Draw the lines once the time origin is known (a trace's notes are read before its rows are)."""
        if len(self._lines) != len(self.bookmarks):
            self._redraw_lines()
