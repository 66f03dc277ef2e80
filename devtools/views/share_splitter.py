"""A splitter that keeps fixed shares of its width for its panes, until the user drags a handle.

QSplitter gives a change of width to its panes by stretch factor and then squeezes whichever pane reaches its
minimum last, so a window opened wide and made small ends with one pane at its minimum and another generous. This
one re-shares its width on every resize (Qt's minimums still apply) while the user has not chosen sizes; once a
handle is dragged, the user's sizes are kept.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QSplitter, QWidget

__all__ = ["ShareSplitter"]


class ShareSplitter(QSplitter):
    def __init__(self, orientation: Qt.Orientation, shares: Sequence[float], parent: QWidget | None = None) -> None:
        super().__init__(orientation, parent)
        self.shares = tuple(shares)
        self.sized_by_user = False
        self.splitterMoved.connect(self._moved)

    def _moved(self, *_: object) -> None:
        self.sized_by_user = True

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if not self.sized_by_user and self.count() == len(self.shares):
            length = self.width() if self.orientation() == Qt.Orientation.Horizontal else self.height()
            self.setSizes([int(length * share) for share in self.shares])
