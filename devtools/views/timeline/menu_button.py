"""A bar button that opens its menu at a click (the timeline's Hidden lanes and Bookmarks lists)."""

from __future__ import annotations

from PySide6.QtWidgets import QMenu, QToolButton, QWidget

__all__ = ["menu_button"]


def menu_button(parent: QWidget, name: str, tip: str) -> tuple[QToolButton, QMenu]:
    """A tool button named `name` whose menu opens on a click, and that menu (filled by the caller)."""
    button = QToolButton(parent)
    button.setObjectName(name)
    button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
    button.setToolTip(tip)
    menu = QMenu(button)
    button.setMenu(menu)
    return button, menu
