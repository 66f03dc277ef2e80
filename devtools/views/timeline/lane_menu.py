"""The lanes' context menu and the list of hidden lanes.

A right click on a lane (its title on the left, or the lane itself) offers: pin it to the top (pinned lanes stay
above the others, in the order pinned), collapse it to a thin strip, hide it; add a bookmark at that time. Hidden
lanes are listed in the "Hidden lanes" button of the timeline's bar (shown only while some are hidden), each one
click away from coming back. The choices live in a LaneLayout (devtools.model.lane_layout); `changed` is called
after each, so the view redraws and the sidecar is saved.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QPoint
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QWidget

from ...model.lane_layout import LaneLayout
from ...model.timeline_model import Lane
from .menu_button import menu_button

__all__ = ["LaneMenu"]


class LaneMenu:
    """Builds the context menu of a lane and keeps the hidden-lanes button in step with the layout."""

    def __init__(self, parent: QWidget, layout: LaneLayout, changed: Callable[[], None],
                 title_of: Callable[[str], str]) -> None:
        self.layout = layout
        self._changed = changed
        self._title_of = title_of
        self.menu: QMenu | None = None
        """The context menu shown last (tests and the help read its actions)."""
        self.hidden_button, self.hidden_menu = menu_button(parent, "hiddenLanesButton",
                                                           "Lanes you hid; choose one to show it again")
        self.refresh_hidden()

    def _apply(self, change: Callable[[], None]) -> None:
        change()
        self.refresh_hidden()
        self._changed()

    def pin(self, key: str, on: bool = True) -> None:
        self._apply(lambda: self.layout.pin(key, on))

    def hide(self, key: str, on: bool = True) -> None:
        self._apply(lambda: self.layout.hide(key, on))

    def collapse(self, key: str, on: bool = True) -> None:
        self._apply(lambda: self.layout.collapse(key, on))

    def show_all(self) -> None:
        def unhide() -> None:
            for key in list(self.layout.hidden):
                self.layout.hide(key, False)
        self._apply(unhide)

    def build(self, lane: Lane, extra: list[QAction]) -> QMenu:
        """The context menu of `lane` (plus `extra` actions at its end)."""
        menu = QMenu()
        menu.setObjectName("laneMenu")
        menu.addSection(lane.title)
        key = lane.key
        pinned = key in self.layout.pinned
        pin = menu.addAction("Unpin" if pinned else "Pin to top")
        pin.triggered.connect(lambda: self.pin(key, not pinned))
        collapsed = key in self.layout.collapsed
        collapse = menu.addAction("Expand" if collapsed else "Collapse")
        collapse.triggered.connect(lambda: self.collapse(key, not collapsed))
        hide = menu.addAction("Hide lane")
        hide.triggered.connect(lambda: self.hide(key))
        if self.layout.hidden:
            menu.addSeparator()
            menu.addMenu(self._hidden_list(menu))
        if extra:
            menu.addSeparator()
            for action in extra:
                action.setParent(menu)
                menu.addAction(action)
        self.menu = menu
        return menu

    def popup(self, lane: Lane, at: QPoint, extra: list[QAction]) -> QMenu:
        menu = self.build(lane, extra)
        menu.popup(at)  # not exec(): no nested event loop
        return menu

    def _hidden_list(self, parent: QWidget) -> QMenu:
        menu = QMenu(f"Hidden lanes ({len(self.layout.hidden)})", parent)
        self._fill_hidden(menu)
        return menu

    def _fill_hidden(self, menu: QMenu) -> None:
        menu.clear()
        for key in self.layout.hidden:
            action = menu.addAction(self._title_of(key))
            action.setData(key)
            action.triggered.connect(lambda _=False, k=key: self.hide(k, False))
        if self.layout.hidden:
            menu.addSeparator()
            menu.addAction("Show all lanes").triggered.connect(self.show_all)

    def refresh_hidden(self) -> None:
        """The bar's button: the hidden lanes, or nothing while none is hidden."""
        hidden = self.layout.hidden
        self.hidden_button.setText(f"Hidden ({len(hidden)})")
        self.hidden_button.setVisible(bool(hidden))
        self._fill_hidden(self.hidden_menu)
