"""Replay controls: play/pause, speed, step by event / transaction / tick, and a scrubber over the whole trace.

Play, pause and the jumps to either end are Qt's own media icons (they need no font); the step buttons use arrows
DejaVu Sans has (devtools.views.glyphs).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QSlider, QStyle, QToolButton, QWidget

from ..app.context import DevtoolsContext
from ..replay import ReplayController
from ..state import UiState
from .glyphs import BACK, ON, STEP_BACK, STEP_ON

__all__ = ["ReplayBar", "SPEEDS"]

SPEEDS = (0.25, 1.0, 4.0, 16.0, 100.0)


class ReplayBar(QWidget):
    """The transport of a replay window."""

    def __init__(self, ctx: DevtoolsContext, replay: ReplayController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.replay = replay

        def button(text: str, tip: str, slot: Callable[[], object],
                   icon: QStyle.StandardPixmap | None = None) -> QToolButton:
            b = QToolButton(self)
            b.setText(text)
            b.setToolTip(tip)
            if icon is not None:
                b.setIcon(self.style().standardIcon(icon))
                b.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon if text
                                     else Qt.ToolButtonStyle.ToolButtonIconOnly)
            b.clicked.connect(slot)
            return b

        media = QStyle.StandardPixmap
        self._play_icon = self.style().standardIcon(media.SP_MediaPlay)
        self._pause_icon = self.style().standardIcon(media.SP_MediaPause)
        self.play_button = button("Play", "Play / pause (Space)", replay.toggle, media.SP_MediaPlay)
        self.play_button.setObjectName("playButton")
        self.speed = QComboBox(self)
        self.speed.addItems([f"{s:g}×" for s in SPEEDS])
        self.speed.setCurrentIndex(SPEEDS.index(1.0))
        self.speed.setToolTip("Replay speed relative to the recorded pace")
        self.speed.activated.connect(lambda i: setattr(replay, "speed", SPEEDS[i]))
        self.scrubber = QSlider(Qt.Orientation.Horizontal, self)
        self.scrubber.setObjectName("scrubber")
        self.scrubber.setRange(0, max(0, replay.total))
        self.scrubber.setToolTip("Drag to move the replay cursor (Home / End jump to the ends)")
        self.scrubber.valueChanged.connect(self._scrubbed)
        self.position = QLabel(self)
        self.position.setObjectName("replayPosition")
        self.position.setMinimumWidth(220)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        layout.addWidget(QLabel("<b>Replay</b>", self))
        self.start_button = button("", "To the start (Home)", replay.to_start, media.SP_MediaSkipBackward)
        layout.addWidget(self.start_button)
        layout.addWidget(button(f"{BACK} tick", "Previous tick (Ctrl+Left)", lambda: replay.step("tick", -1)))
        layout.addWidget(button(f"{BACK} txn", "Previous transaction (Shift+Left)", lambda: replay.step("txn", -1)))
        layout.addWidget(button(STEP_BACK, "Previous event (Left)", lambda: replay.step("event", -1)))
        layout.addWidget(self.play_button)
        layout.addWidget(button(STEP_ON, "Next event (Right)", lambda: replay.step("event", 1)))
        layout.addWidget(button(f"txn {ON}", "Next transaction (Shift+Right)", lambda: replay.step("txn", 1)))
        layout.addWidget(button(f"tick {ON}", "Next tick (Ctrl+Right)", lambda: replay.step("tick", 1)))
        self.end_button = button("", "To the end (End)", replay.to_end, media.SP_MediaSkipForward)
        layout.addWidget(self.end_button)
        layout.addWidget(self.speed)
        layout.addWidget(self.scrubber, 1)
        layout.addWidget(self.position)
        ctx.bind(self, ctx.state.topic, self._on_state)

    def _on_state(self, ui: UiState) -> None:
        cursor = ui["cursor"] if ui["cursor"] is not None else -1
        if self.scrubber.value() != cursor + 1:
            self.scrubber.blockSignals(True)
            self.scrubber.setValue(cursor + 1)
            self.scrubber.blockSignals(False)
        playing = self.replay.playing
        self.play_button.setText("Pause" if playing else "Play")
        self.play_button.setIcon(self._pause_icon if playing else self._play_icon)
        tick = f" · tick {self.replay.tick_seq()}" if self.replay.has_ticks() else " · no ticks recorded"
        self.position.setText(f"event {cursor + 1:,} / {self.replay.total:,}{tick}")

    def _scrubbed(self, value: int) -> None:
        self.replay.seek(value - 1)

    def refresh(self) -> None:
        """Repaint after play/pause (the play state is not part of the devtools state)."""
        self._on_state(self.ctx.state.published())
