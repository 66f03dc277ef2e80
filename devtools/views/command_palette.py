"""The command palette (Ctrl+K): every command of a window with its shortcut, filtered as the user types; Enter runs
the chosen one, Esc closes.

The commands are found in the window itself, so a pane or tool that adds an action never registers it anywhere
else: the window's own actions (QWidget.addAction), its menu bar's and toolbars' actions, the menus of toolbar
buttons, and one "Show <tab>" per tab of its tab widgets.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QLineEdit,
    QMainWindow,
    QMenu,
    QTabWidget,
    QToolBar,
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
)

from ..model.fuzzy import fuzzy_filter

__all__ = ["Command", "CommandPalette", "window_commands"]


@dataclass(frozen=True, slots=True)
class Command:
    title: str
    shortcut: str
    run: Callable[[], object]
    enabled: bool = True
    hint: str = ""


def _title(action: QAction) -> str:
    return action.text().replace("&&", "\0").replace("&", "").replace("\0", "&").strip()


def _shortcut(action: QAction) -> str:
    return " / ".join(k.toString(QKeySequence.SequenceFormat.NativeText) for k in action.shortcuts())


def _actions(window: QMainWindow) -> Iterator[QAction]:
    yield from window.actions()
    menu_bar = window.menuBar() if window.menuWidget() is not None else None
    menus = [a.menu() for a in menu_bar.actions()] if menu_bar is not None else []
    for bar in window.findChildren(QToolBar):
        yield from bar.actions()
        for button in bar.findChildren(QToolButton):
            menus.append(button.menu())
    while menus:
        menu = menus.pop(0)
        if not isinstance(menu, QMenu):
            continue
        for action in menu.actions():
            if isinstance(action.menu(), QMenu):
                menus.append(action.menu())
            yield action


def window_commands(window: QMainWindow, *, skip: QAction | None = None) -> list[Command]:
    """What the palette lists for `window`: its actions (each once, by title; separators and nameless widget
    actions left out), then its tabs."""
    out: list[Command] = []
    seen: set[str] = set()
    for action in _actions(window):
        title = _title(action)
        if action is skip or action.isSeparator() or not title or title in seen or not action.isVisible():
            continue
        seen.add(title)
        tip = action.toolTip()
        out.append(Command(title, _shortcut(action), action.trigger, action.isEnabled(),
                           "" if tip.startswith(title) else tip))
    for tabs in window.findChildren(QTabWidget):
        for i in range(tabs.count()):
            title = f"Show {tabs.tabText(i).replace('&', '')}"
            if title not in seen and tabs.isTabVisible(i):
                seen.add(title)
                out.append(Command(title, "", _show_tab(tabs, i), tabs.isTabEnabled(i), "Bring this pane to front"))
    return out


def _show_tab(tabs: QTabWidget, index: int) -> Callable[[], None]:
    def show() -> None:
        tabs.setCurrentIndex(index)
        tabs.currentWidget().setFocus()

    return show


_MOST_ROWS = 18
_MOVES = {int(Qt.Key.Key_Down): 1, int(Qt.Key.Key_Up): -1, int(Qt.Key.Key_PageDown): 8, int(Qt.Key.Key_PageUp): -8}


class CommandPalette(QDialog):
    """A search box over a list of a window's commands, at the top of that window."""

    def __init__(self, window: QMainWindow, *, skip: QAction | None = None) -> None:
        super().__init__(window)
        self.setObjectName("commandPalette")
        self.setWindowTitle("Commands")
        self.setWindowFlag(Qt.WindowType.FramelessWindowHint, True)
        self.setStyleSheet("QDialog#commandPalette { border: 1px solid palette(mid); }")
        self.window_ = window
        self.skip = skip
        self.commands: list[Command] = []
        self.shown: list[Command] = []
        self._items: list[QTreeWidgetItem] = []
        self.search = QLineEdit(self)
        self.search.setObjectName("paletteSearch")
        self.search.setPlaceholderText("Type a command…  (Enter runs it, Esc closes)")
        self.list = QTreeWidget(self)
        self.list.setObjectName("paletteList")
        self.list.setColumnCount(2)
        self.list.setHeaderHidden(True)
        self.list.setRootIsDecorated(False)
        self.list.setUniformRowHeights(True)
        self.list.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # typing stays in the search box
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.search)
        layout.addWidget(self.list, 1)
        self.search.textChanged.connect(self._filter)
        self.search.returnPressed.connect(self.run_current)
        self.search.installEventFilter(self)
        self.list.itemActivated.connect(lambda _item, _col: self.run_current())

    def open_palette(self) -> None:
        """Read the window's commands afresh (they change: recording, a remote bar), show them all, focus the box."""
        self.commands = window_commands(self.window_, skip=self.skip)
        self.search.clear()
        self._filter("")  # sizes the box too
        w = min(560, max(320, self.window_.width() - 80))
        self.resize(w, self.height())
        top = self.window_.mapToGlobal(self.window_.rect().topLeft())
        self.move(top.x() + (self.window_.width() - w) // 2, top.y() + 60)
        self.show()  # shown afresh each time: on top without raise_()
        self.activateWindow()
        self.search.setFocus()

    def titles(self) -> list[str]:
        """What the list shows, top to bottom."""
        return [c.title for c in self.shown]

    def _filter(self, text: str) -> None:
        self.shown = fuzzy_filter(text, self.commands, lambda c: f"{c.title} {c.hint}" if len(text) > 2 else c.title)
        self.list.clear()
        self._items = []
        for command in self.shown:
            item = QTreeWidgetItem([command.title, command.shortcut])
            self._items.append(item)
            item.setToolTip(0, command.hint or command.title)
            item.setTextAlignment(1, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            if not command.enabled:
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEnabled)
            self.list.addTopLevelItem(item)
        first = next((i for i, c in enumerate(self.shown) if c.enabled), None)
        if first is not None:
            self.list.setCurrentItem(self._items[first])
        width = self.list.viewport().width()
        self.list.setColumnWidth(0, max(160, width - 150))
        rows = max(1, min(len(self._items), _MOST_ROWS))  # the box fits what matches, up to a screenful
        row_px = self.list.sizeHintForRow(0) if self._items else self.fontMetrics().height() + 4
        self.resize(self.width(), self.search.sizeHint().height() + rows * row_px + 2 * self.list.frameWidth() + 20)

    def run_current(self) -> None:
        """Close, then run the highlighted command (closed first: the command may open a dialog of its own)."""
        row = self.list.currentIndex().row()
        if not 0 <= row < len(self.shown):
            return
        command = self.shown[row]
        if not command.enabled:
            return
        self.close()
        command.run()

    def _move(self, step: int) -> None:
        count = len(self._items)
        row = self.list.currentIndex().row()
        for _ in range(count):
            row = max(0, min(count - 1, row + step)) if abs(step) > 1 else (row + step) % count
            if self.shown[row].enabled:
                self.list.setCurrentItem(self._items[row])
                return

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.search and event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            step = _MOVES.get(int(event.key()))
            if step is not None:
                self._move(step)
                return True
        return super().eventFilter(watched, event)
