"""Highlight updates: a bound widget flashes when a tick updates it, coloured by how long the update took (as React
and MobX devtools do), then fades out.

The flash is an overlay of its own (a transparent child of the widget's window, above it, letting every mouse event
through): the widget's own style, palette and geometry are never touched. Off, nothing runs: the Binder calls
`flash` only while a highlighter is set on it, and the adapter sets one only while its runtime's `highlight` switch
(runtime.debug.highlight) is on.
"""

from __future__ import annotations

import weakref

from PySide6.QtCore import QObject, QRect, Qt, QVariantAnimation
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QWidget

__all__ = ["FADE_MS", "FLASH_COLOURS", "FlashOverlay", "UpdateHighlighter", "colour_for"]

FADE_MS = 800
"""How long a flash takes to fade out: long enough to see, short enough not to hide the next tick's."""
FLASH_COLOURS: tuple[tuple[float, str], ...] = (
    (1.0, "#2e9e5b"),           # under 1 ms: green
    (4.0, "#f4c430"),           # under 4 ms: yellow
    (16.0, "#f28c28"),          # under a 60 Hz frame: orange
    (float("inf"), "#d64545"),  # a frame or more: red
)
"""(upper bound in ms, colour): the first whose bound the update's duration is below."""


def colour_for(duration_ms: float) -> QColor:
    return QColor(next(colour for bound, colour in FLASH_COLOURS if duration_ms < bound))


class FlashOverlay(QWidget):
    """An outline and a light fill over one widget, fading out, then gone (deleted)."""

    def __init__(self, target: QWidget, duration_ms: float) -> None:
        super().__init__(target.window())
        self.setObjectName("updateFlash")
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setAttribute(Qt.WidgetAttribute.WA_NoSystemBackground)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.target = weakref.ref(target)
        self.duration_ms = duration_ms
        self.colour = colour_for(duration_ms)
        self.strength = 1.0
        self._fade = QVariantAnimation(self)
        self._fade.setStartValue(1.0)
        self._fade.setEndValue(0.0)
        self._fade.setDuration(FADE_MS)
        self._fade.valueChanged.connect(self._faded)
        self._fade.finished.connect(self._gone)
        self.flash(duration_ms)

    def flash(self, duration_ms: float) -> None:
        """Show (again) over the target with the colour of this update's duration."""
        target = self.target()
        if target is None:
            self._gone()
            return
        self.duration_ms = duration_ms
        self.colour = colour_for(duration_ms)
        top_left = target.mapTo(target.window(), target.rect().topLeft())
        self.setGeometry(QRect(top_left, target.size()).adjusted(-2, -2, 2, 2))
        self.strength = 1.0
        self.show()
        self.raise_()
        self._fade.stop()
        self._fade.start()

    def _faded(self, value: object) -> None:
        self.strength = float(value) if isinstance(value, (int, float)) else 0.0
        self.update()

    def _gone(self) -> None:
        self.hide()
        self.deleteLater()  # the highlighter forgets it when it is destroyed

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        line = QColor(self.colour)
        line.setAlphaF(self.strength)
        fill = QColor(self.colour)
        fill.setAlphaF(0.18 * self.strength)
        painter.fillRect(self.rect(), fill)
        painter.setPen(QPen(line, 2))
        painter.drawRect(self.rect().adjusted(1, 1, -1, -1))
        painter.end()


class UpdateHighlighter:
    """Flashes the widgets one Binder updates (its `highlight` hook while on)."""

    def __init__(self) -> None:
        self._overlays: dict[int, FlashOverlay] = {}
        """The overlay of each widget flashing now (a new update restarts its fade)."""
        self.flashes = 0
        """How many flashes it showed (a widget updated while on)."""

    def flash(self, owner: QObject | None, duration_ms: float) -> None:
        if not isinstance(owner, QWidget) or not owner.isVisible():
            return
        self.flashes += 1
        key = id(owner)
        overlay = self._overlays.get(key)
        if overlay is not None and overlay.target() is owner:
            overlay.flash(duration_ms)
            return
        overlay = self._overlays[key] = FlashOverlay(owner, duration_ms)
        overlay.destroyed.connect(lambda *_: self._overlays.pop(key, None))

    def overlays(self) -> list[FlashOverlay]:
        """The flashes showing now."""
        return list(self._overlays.values())
