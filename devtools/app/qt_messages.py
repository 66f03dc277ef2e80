"""Qt's own messages, minus one the offscreen platform prints for every top-level window it cannot size.

The offscreen platform has no window manager to pass size hints to, so each window whose minimum or maximum size
changes makes it say "This plugin does not support propagateSizeHints()". That line is about the platform, not the
application; a clean run must stay silent on stderr, so it alone is dropped. Everything else goes to stderr as
Qt's default handler writes it.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QMessageLogContext, QtMsgType, qInstallMessageHandler

PLATFORM_NOISE = "This plugin does not support propagateSizeHints()"


def _write(kind: QtMsgType, context: QMessageLogContext, message: str) -> None:
    del kind  # Qt's default pattern shows no severity either
    if message == PLATFORM_NOISE:
        return
    category = context.category
    sys.stderr.write(f"{category}: {message}\n" if category and category != "default" else f"{message}\n")


def quiet_platform_noise(platform_name: str) -> None:
    """Drop the offscreen platform's size-hint line (only there: on a real platform the handler stays Qt's)."""
    if platform_name == "offscreen":
        qInstallMessageHandler(_write)
