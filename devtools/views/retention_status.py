"""The status bar's retention part: what the live window let go, and a switch to spill instead of dropping.

The label stays empty until the bound is first reached; then it says what the latest release let go ("let go
120,000 oldest events (38 MB)", or "spilled … to <file>"), its tooltip the totals and the bound. The "Spill to
file" button is the `spill` setting: on, the events let go from then on are appended to a trace file first (the
setting is saved like any other). While a spill is being written the label says so.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QToolButton, QWidget

from ..app.context import DevtoolsContext
from ..app.retention import RetentionKeeper
from ..app.settings_store import save_settings
from ..model.retention import Release, describe_release, format_bytes
from ..state import UiState

__all__ = ["RetentionStatus", "LABEL_WIDTH_PX"]

LABEL_WIDTH_PX = 520


class RetentionStatus(QWidget):
    """Label and spill switch for one live window's RetentionKeeper."""

    def __init__(self, ctx: DevtoolsContext, keeper: RetentionKeeper, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.keeper = keeper
        self.text = ""
        """What the label says, not elided."""
        self.label = QLabel(self)
        self.label.setObjectName("retentionLabel")
        self.spill_button = QToolButton(self)
        self.spill_button.setObjectName("spillButton")
        self.spill_button.setText("Spill to file")
        self.spill_button.setCheckable(True)
        self.spill_button.setAutoRaise(True)
        self.spill_button.setToolTip("When the window reaches its retention bound, append the events it lets go to "
                                     "a trace file (tickscope open reads it) instead of dropping them")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label)
        layout.addWidget(self.spill_button)
        self.spill_button.toggled.connect(self._toggled)
        keeper.released.connect(self._released)
        keeper.spillingChanged.connect(self._spilling)
        ctx.bind(self, ctx.state.topic, self._on_state)

    def _on_state(self, ui: UiState) -> None:
        on = ui["settings"]["spill"]
        if self.spill_button.isChecked() != on:
            self.spill_button.blockSignals(True)
            self.spill_button.setChecked(on)
            self.spill_button.blockSignals(False)

    def _toggled(self, on: bool) -> None:
        self.ctx.state.set_settings({"spill": on})
        save_settings(self.ctx.state.get()["settings"])
        self.keeper.apply(self.ctx.state.get()["settings"])

    def _released(self, release: Release) -> None:
        path = release.spilled_to
        self._say(describe_release(replace(release, spilled_to=Path(path).name) if path else release))
        self.label.setToolTip((f"Spilled to {path}\n" if path else f"{release.problem}\n" if release.problem else "")
                              + f"{self.keeper.total_rows:,} events ({format_bytes(self.keeper.total_bytes)}) let go "
                              f"since this window opened; it keeps {self.keeper.bound_text()} (Settings)")

    def _say(self, text: str) -> None:
        """Show `text`, elided to LABEL_WIDTH_PX (a long path must not push the rest of the status bar away)."""
        self.text = text
        self.label.setText(self.label.fontMetrics().elidedText(text, Qt.TextElideMode.ElideMiddle, LABEL_WIDTH_PX))

    def _spilling(self, on: bool) -> None:
        if on and self.keeper.spill is not None:
            self._say(f"spilling the oldest events to {self.keeper.spill.path.name}…")
