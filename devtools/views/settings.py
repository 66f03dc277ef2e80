"""Settings: diagnostics level, event buffer size, theme, and whether the devtools shows its own runtime.

Every change goes to the devtools state first (one place of truth), is applied to the live runtime and the
application palette, and is saved with QSettings, so it is there again after a restart.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QSpinBox, QWidget

from ..app.context import DevtoolsContext
from ..app.settings_store import save_settings, settings_file
from ..state import DIAGNOSTICS_LEVELS, THEMES, Settings, UiState
from .theme import apply_theme

__all__ = ["SettingsDialog", "apply_settings"]


def apply_settings(ctx: DevtoolsContext, settings: Settings) -> None:
    """Make the settings take effect: runtime diagnostics and ring size, palette."""
    rt = ctx.runtime
    if rt is not None:
        if rt.sink.level != settings["diagnostics"]:
            rt.set_diagnostics(settings["diagnostics"])
        if rt.hub.buffer_size != settings["bufferSize"]:
            rt.set_buffer_size(settings["bufferSize"])
    apply_theme(settings["theme"])


class SettingsDialog(QDialog):
    """A small non-modal form; changes apply at once."""

    def __init__(self, ctx: DevtoolsContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle("tickscope settings")
        self.diagnostics = QComboBox(self)
        self.diagnostics.setObjectName("diagnosticsSetting")
        self.diagnostics.addItems(list(DIAGNOSTICS_LEVELS))
        self.diagnostics.setToolTip("off records nothing; light slim events; sampled adds step timings every 32nd "
                                    "transaction; full adds patches and snapshots (needed for time travel)")
        self.buffer = QSpinBox(self)
        self.buffer.setObjectName("bufferSetting")
        self.buffer.setRange(0, 1_000_000)
        self.buffer.setSingleStep(100)
        self.buffer.setToolTip("Events the runtime's own debug ring keeps (the devtools records everything)")
        self.theme = QComboBox(self)
        self.theme.setObjectName("themeSetting")
        self.theme.addItems(list(THEMES))
        self.show_devtools = QCheckBox("Show the devtools' own runtime (its UI state module)", self)
        form = QFormLayout(self)
        form.addRow("Diagnostics level", self.diagnostics)
        form.addRow("Event buffer size", self.buffer)
        form.addRow("Theme", self.theme)
        form.addRow("", self.show_devtools)
        where = QLabel(f"<small style='color:gray'>Saved in {settings_file()}</small>", self)
        where.setWordWrap(True)
        form.addRow(where)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        close.rejected.connect(self.close)
        form.addRow(close)
        self.diagnostics.activated.connect(lambda _i: self.change(diagnostics=self.diagnostics.currentText()))
        self.buffer.editingFinished.connect(lambda: self.change(bufferSize=self.buffer.value()))
        self.theme.activated.connect(lambda _i: self.change(theme=self.theme.currentText()))
        self.show_devtools.toggled.connect(lambda on: self.change(showDevtools=on))
        ctx.bind(self, ctx.state.topic, self._on_state)

    def _on_state(self, ui: UiState) -> None:
        s = ui["settings"]
        self.diagnostics.setCurrentText(s["diagnostics"])
        if not self.buffer.hasFocus():
            self.buffer.setValue(s["bufferSize"])
        self.theme.setCurrentText(s["theme"])
        if self.show_devtools.isChecked() != s["showDevtools"]:
            self.show_devtools.setChecked(s["showDevtools"])

    def change(self, **changes: Any) -> None:
        """Change settings as the form does: state, then runtime and palette, then disk."""
        self.ctx.state.set_settings(changes)
        settings = self.ctx.state.get()["settings"]
        apply_settings(self.ctx, settings)
        save_settings(settings)
