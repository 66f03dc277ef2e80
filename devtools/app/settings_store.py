"""Devtools settings on disk (QSettings, INI format): diagnostics level, buffer size, theme, showDevtools.

INI format everywhere so the file is readable and a test can point QSettings at a temporary directory with
`QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, tmp)`. Unknown or malformed stored values
fall back to the defaults (a hand-edited file must not keep the devtools from starting).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSettings

from ..state import DEFAULT_SETTINGS, DIAGNOSTICS_LEVELS, THEMES

__all__ = ["load_settings", "save_settings", "settings_file"]

ORGANIZATION = "tickscope"
APPLICATION = "devtools"


def _qsettings() -> QSettings:
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANIZATION, APPLICATION)


def settings_file() -> str:
    return _qsettings().fileName()


def _as_bool(value: Any) -> bool:
    return value in (True, "true", "1", 1)


def load_settings() -> dict[str, Any]:
    """The stored settings, each checked; defaults for whatever is missing or invalid."""
    qs = _qsettings()
    out = dict(DEFAULT_SETTINGS)
    level = qs.value("diagnostics")
    if level in DIAGNOSTICS_LEVELS:
        out["diagnostics"] = level
    theme = qs.value("theme")
    if theme in THEMES:
        out["theme"] = theme
    try:
        size = int(qs.value("bufferSize", DEFAULT_SETTINGS["bufferSize"]))
        if size >= 0:
            out["bufferSize"] = size
    except (TypeError, ValueError):
        pass
    if qs.contains("showDevtools"):
        out["showDevtools"] = _as_bool(qs.value("showDevtools"))
    return out


def save_settings(settings: dict[str, Any]) -> None:
    qs = _qsettings()
    for key in DEFAULT_SETTINGS:
        if key in settings:
            qs.setValue(key, settings[key])
    qs.sync()
