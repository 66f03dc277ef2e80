"""Settings: diagnostics level, event buffer size, theme, whether the devtools shows its own runtime, and how much
of a live session a window keeps (events, MB, and whether what it lets go is spilled to a trace file, and where),
and the editor command a call site opens in.

Every change goes to the devtools state first (one place of truth), is applied to the live runtime and the
application palette, and is saved with QSettings, so it is there again after a restart.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QWidget,
)

from ..app.context import DevtoolsContext
from ..app.retention import default_spill_dir
from ..app.settings_store import save_settings, settings_file
from ..state import DIAGNOSTICS_LEVELS, THEMES, Settings, UiState
from .theme import apply_theme

__all__ = ["SettingsDialog", "apply_settings"]


def apply_settings(ctx: DevtoolsContext, settings: Settings) -> None:
    """Make the settings take effect: runtime diagnostics and ring size, the window's retention bound, palette."""
    rt = ctx.runtime
    if rt is not None:
        if rt.sink.level != settings["diagnostics"]:
            rt.set_diagnostics(settings["diagnostics"])
        if rt.hub.buffer_size != settings["bufferSize"]:
            rt.set_buffer_size(settings["bufferSize"])
    if ctx.retention is not None:
        ctx.retention.apply(settings)
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
        self.buffer.setToolTip("Events the runtime's own debug ring keeps (the devtools window keeps its own, "
                               "up to the bound below)")
        self.theme = QComboBox(self)
        self.theme.setObjectName("themeSetting")
        self.theme.addItems(list(THEMES))
        self.show_devtools = QCheckBox("Show the devtools' own runtime (its UI state module)", self)
        self.retain_events = QSpinBox(self)
        self.retain_events.setObjectName("retainEventsSetting")
        self.retain_events.setRange(0, 100_000_000)
        self.retain_events.setSingleStep(50_000)
        self.retain_events.setGroupSeparatorShown(True)
        self.retain_events.setSuffix(" events")
        self.retain_events.setSpecialValueText("no bound")
        self.retain_events.setToolTip("A live window lets its oldest events go beyond this many (a tenth at a time)")
        self.retain_mb = QSpinBox(self)
        self.retain_mb.setObjectName("retainMBSetting")
        self.retain_mb.setRange(0, 1_000_000)
        self.retain_mb.setSingleStep(64)
        self.retain_mb.setSuffix(" MB")
        self.retain_mb.setSpecialValueText("no bound")
        self.retain_mb.setToolTip("... and beyond this much memory for them")
        self.spill = QCheckBox("Spill what is let go to a trace file instead of dropping it", self)
        self.spill.setObjectName("spillSetting")
        self.spill_dir = QLineEdit(self)
        self.spill_dir.setObjectName("spillDirSetting")
        self.spill_dir.setPlaceholderText(default_spill_dir())
        self.spill_dir.setToolTip("Where spill files go (empty: the devtools' data directory); "
                                  "`tickscope open FILE` opens one")
        self.editor_command = QLineEdit(self)
        self.editor_command.setObjectName("editorCommandSetting")
        self.editor_command.setPlaceholderText("$VISUAL / $EDITOR, e.g. code -g {file}:{line}")
        self.editor_command.setToolTip("How a call site in the inspector opens: a command line with {file} and "
                                       "{line} (empty: $VISUAL, then $EDITOR, with +LINE or -g FILE:LINE)")
        form = QFormLayout(self)
        form.addRow("Diagnostics level", self.diagnostics)
        form.addRow("Event buffer size", self.buffer)
        form.addRow("Theme", self.theme)
        form.addRow("", self.show_devtools)
        form.addRow("Live window keeps at most", self.retain_events)
        form.addRow("and at most", self.retain_mb)
        form.addRow("", self.spill)
        form.addRow("Spill folder", self.spill_dir)
        form.addRow("Editor command", self.editor_command)
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
        self.retain_events.editingFinished.connect(lambda: self.change(retainEvents=self.retain_events.value()))
        self.retain_mb.editingFinished.connect(lambda: self.change(retainMB=self.retain_mb.value()))
        self.spill.toggled.connect(lambda on: self.change(spill=on))
        self.spill_dir.editingFinished.connect(lambda: self.change(spillDir=self.spill_dir.text().strip()))
        self.editor_command.editingFinished.connect(
            lambda: self.change(editorCommand=self.editor_command.text().strip()))
        ctx.bind(self, ctx.state.topic, self._on_state)

    def _on_state(self, ui: UiState) -> None:
        s = ui["settings"]
        self.diagnostics.setCurrentText(s["diagnostics"])
        if not self.buffer.hasFocus():
            self.buffer.setValue(s["bufferSize"])
        self.theme.setCurrentText(s["theme"])
        if self.show_devtools.isChecked() != s["showDevtools"]:
            self.show_devtools.setChecked(s["showDevtools"])
        for box, value in ((self.retain_events, s["retainEvents"]), (self.retain_mb, s["retainMB"])):
            if not box.hasFocus():
                box.setValue(value)
        if self.spill.isChecked() != s["spill"]:
            self.spill.setChecked(s["spill"])
        for edit, text in ((self.spill_dir, s["spillDir"]), (self.editor_command, s["editorCommand"])):
            if not edit.hasFocus() and edit.text() != text:
                edit.setText(text)

    def change(self, **changes: Any) -> None:
        """Change settings as the form does: state, then runtime and palette, then disk."""
        self.ctx.state.set_settings(changes)
        settings = self.ctx.state.get()["settings"]
        apply_settings(self.ctx, settings)
        save_settings(settings)
