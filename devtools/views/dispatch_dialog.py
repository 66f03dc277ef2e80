"""The "Dispatch an action" dialog of an attached window: instance, action type and a JSON payload.

The instance and action lists offer what the stream has shown (instances seen, action types seen), and both can be
typed freely: the remote runtime is the judge of what exists and refuses with a reason. The payload is checked as
JSON while it is typed; the Dispatch button stays disabled and a message names the problem (with line and column)
until it parses. An empty payload sends null. The dialog is non-modal (a modal one would nest an event loop under
the qasync tasks) and hands `(instance_id, action_type, payload)` to `on_dispatch`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import numpy as np
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from ..model.event_feed import EventFeed

__all__ = ["DispatchDialog", "parse_payload", "PayloadError"]


class PayloadError(ValueError):
    """The payload text is not JSON; the message says where and why."""


def parse_payload(text: str) -> Any:
    """The payload a user typed: JSON, or None when empty. Raises PayloadError naming the problem."""
    if not text.strip():
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise PayloadError(f"The payload is not valid JSON: {err.msg} (line {err.lineno}, column {err.colno}).") \
            from None


def seen_action_types(feed: EventFeed) -> list[str]:
    """Action types the stream has shown, sorted."""
    store = feed.store
    code = store.kinds.find("action")
    if code is None or not len(feed):
        return []
    labels = np.unique(feed.column("label")[feed.column("kind") == code])
    return sorted(store.labels.values[int(c)] for c in labels)


class DispatchDialog(QDialog):
    def __init__(self, feed: EventFeed, on_dispatch: Callable[[str, str, Any], object],
                 parent: QWidget | None = None, instance_id: str | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Dispatch an action in the attached runtime")
        self._on_dispatch = on_dispatch
        self.instance = QComboBox(self)
        self.instance.setObjectName("dispatchInstance")
        self.instance.setEditable(True)
        self.instance.addItems(sorted(i for i in feed.store.instances.values if "#" in i))
        if instance_id:
            self.instance.setCurrentText(instance_id)
        self.action_type = QComboBox(self)
        self.action_type.setObjectName("dispatchAction")
        self.action_type.setEditable(True)
        self.action_type.addItems(seen_action_types(feed))
        self.action_type.setCurrentText("")
        self.payload = QPlainTextEdit(self)
        self.payload.setObjectName("dispatchPayload")
        self.payload.setPlaceholderText('JSON, e.g. 5, "text" or {"id": 1}; empty sends null')
        self.payload.setFixedHeight(90)
        self.problem = QLabel(self)
        self.problem.setObjectName("dispatchProblem")
        self.problem.setStyleSheet("color:#d64545")
        self.problem.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.dispatch_button = self.buttons.addButton("Dispatch", QDialogButtonBox.ButtonRole.AcceptRole)
        self.dispatch_button.setObjectName("dispatchButton")
        self.buttons.accepted.connect(self._dispatch)
        self.buttons.rejected.connect(self.reject)

        form = QFormLayout()
        form.addRow("Instance", self.instance)
        form.addRow("Action type", self.action_type)
        form.addRow("Payload (JSON)", self.payload)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        self.instance.currentTextChanged.connect(self._check)
        self.action_type.currentTextChanged.connect(self._check)
        self.payload.textChanged.connect(self._check)
        self.resize(440, 260)
        self._check()

    def _check(self) -> bool:
        """Say what is missing or wrong; Dispatch is enabled only when nothing is."""
        problem = ""
        if not self.instance.currentText().strip():
            problem = "Choose the instance to dispatch to."
        elif not self.action_type.currentText().strip():
            problem = "Name the action type."
        else:
            try:
                parse_payload(self.payload.toPlainText())
            except PayloadError as err:
                problem = str(err)
        self.problem.setText(problem)
        self.dispatch_button.setEnabled(not problem)
        return not problem

    def _dispatch(self) -> None:
        if not self._check():
            return
        payload = parse_payload(self.payload.toPlainText())
        self._on_dispatch(self.instance.currentText().strip(), self.action_type.currentText().strip(), payload)
        self.accept()
