"""Devtools settings on disk (QSettings, INI format): diagnostics level, buffer size, theme, showDevtools, the
live retention bound (events, MB, spill to a trace file and where) and the editor command call sites open in.

INI format everywhere so the file is readable and a test can point QSettings at a temporary directory with
`QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, tmp)`. Unknown or malformed stored values
fall back to the defaults (a hand-edited file must not keep the devtools from starting).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from PySide6.QtCore import QSettings

from ..state import DEFAULT_SETTINGS, DIAGNOSTICS_LEVELS, THEMES, Settings

__all__ = ["load_settings", "save_settings", "settings_file"]

T = TypeVar("T")

ORGANIZATION = "tickscope"
APPLICATION = "devtools"


def _qsettings() -> QSettings:
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANIZATION, APPLICATION)


def settings_file() -> str:
    return _qsettings().fileName()


def _as_bool(value: object) -> bool:
    return value in (True, "true", "1", 1)


def _choice(value: object, options: tuple[T, ...], default: T) -> T:
    """`value` when it is one of `options`, else `default`."""
    return next((option for option in options if option == value), default)


def _as_size(value: object) -> int | None:
    """A non-negative buffer size, or None when the stored value is not one."""
    try:
        size = int(value) if isinstance(value, (str, int, float)) else None
    except ValueError:
        return None
    return size if size is not None and size >= 0 else None


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def load_settings() -> Settings:
    """The stored settings, each checked; defaults for whatever is missing or invalid."""
    qs = _qsettings()
    out = DEFAULT_SETTINGS.copy()
    out["diagnostics"] = _choice(qs.value("diagnostics"), DIAGNOSTICS_LEVELS, out["diagnostics"])
    out["theme"] = _choice(qs.value("theme"), THEMES, out["theme"])
    for key in ("bufferSize", "retainEvents", "retainMB"):
        size = _as_size(qs.value(key, DEFAULT_SETTINGS[key]))
        if size is not None:
            out[key] = size
    for flag in ("showDevtools", "spill"):
        if qs.contains(flag):
            out[flag] = _as_bool(qs.value(flag))
    out["spillDir"] = _text(qs.value("spillDir", ""))
    out["editorCommand"] = _text(qs.value("editorCommand", ""))
    return out


def save_settings(settings: Mapping[str, Any]) -> None:
    qs = _qsettings()
    for key in DEFAULT_SETTINGS:
        if key in settings:
            qs.setValue(key, settings[key])
    qs.sync()
