"""The "Dispatch an action" dialog of an attached window: instance, action type and a JSON payload.

The instance list offers the instances the stream has shown; the action list the reducers of the chosen instance's
module, as the remote runtime listed them in its HELLO (`known_types(module_id)`), with any other action type the
stream showed for that module. Both can be typed freely: the remote runtime is the judge of what exists and
refuses with a reason (a typed name its module does not list is pointed out, not blocked). The payload is checked as
JSON while it is typed; the Dispatch button stays disabled and a message names the problem (with line and column)
until it parses. An empty payload sends null. When the HELLO said which payload type the chosen action declares
(`payload_types(module_id)`), the dialog shows it and checks the parsed payload against it with the runtime's own
rules (`runtime.inspect.payload_problem`): a payload of another shape keeps Dispatch disabled, saying where it
differs. The dialog is non-modal (a modal one would nest an event loop under
the qasync tasks) and hands `(instance_id, action_type, payload)` to `on_dispatch`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
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

from runtime.inspect import payload_problem

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


def seen_action_types(feed: EventFeed, module_id: str | None = None) -> list[str]:
    """Action types the stream has shown (of `module_id` only, when given), sorted."""
    store = feed.store
    code = store.kinds.find("action")
    if code is None or not len(feed):
        return []
    rows = feed.column("kind") == code
    if module_id is not None:
        module = store.modules.find(module_id)
        if module is None:
            return []
        rows &= feed.column("module") == module
    labels = np.unique(feed.column("label")[rows])
    return sorted(store.labels.values[int(c)] for c in labels if store.labels.values[int(c)] != "async-action")


def module_of_instance(feed: EventFeed, instance_id: str) -> str | None:
    """The module id of an instance the stream has shown (None for one it has not)."""
    store = feed.store
    code = store.instances.find(instance_id)
    if code is None or not len(feed):
        return None
    modules = feed.column("module")[feed.column("instance") == code]
    return store.modules.values[int(modules[0])] if len(modules) else None


class DispatchDialog(QDialog):
    def __init__(self, feed: EventFeed, on_dispatch: Callable[[str, str, Any], object],
                 parent: QWidget | None = None, instance_id: str | None = None,
                 known_types: Callable[[str], list[str]] | None = None,
                 payload_types: Callable[[str], Mapping[str, Mapping[str, Any]]] | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Dispatch an action in the attached runtime")
        self._on_dispatch = on_dispatch
        self._feed = feed
        self._known_types = known_types
        self._payload_types = payload_types
        self.expected: dict[str, Any] | None = None
        """The payload type the chosen action declares (a payload-type schema), when the runtime said."""
        self.offered: list[str] = []
        """The action types the list offers for the chosen instance."""
        self.instance = QComboBox(self)
        self.instance.setObjectName("dispatchInstance")
        self.instance.setEditable(True)
        self.instance.addItems(sorted(i for i in feed.store.instances.values if "#" in i))
        if instance_id:
            self.instance.setCurrentText(instance_id)
        self.action_type = QComboBox(self)
        self.action_type.setObjectName("dispatchAction")
        self.action_type.setEditable(True)
        self._offer_types()
        self.payload = QPlainTextEdit(self)
        self.payload.setObjectName("dispatchPayload")
        self.payload.setPlaceholderText('JSON, e.g. 5, "text" or {"id": 1}; empty sends null')
        self.payload.setFixedHeight(90)
        self.expects = QLabel(self)
        self.expects.setObjectName("dispatchExpects")
        self.expects.setWordWrap(True)
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
        form.addRow("Expects", self.expects)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        self.instance.currentTextChanged.connect(self._offer_types)
        self.instance.currentTextChanged.connect(self._check)
        self.action_type.currentTextChanged.connect(self._check)
        self.payload.textChanged.connect(self._check)
        self.resize(440, 260)
        self._check()

    def _offer_types(self) -> None:
        """Fill the action list with what the chosen instance's module has; a typed name stays as typed."""
        typed = self.action_type.currentText()
        module = module_of_instance(self._feed, self.instance.currentText().strip())
        known = self._known_types(module) if module is not None and self._known_types is not None else []
        self.offered = sorted(set(known) | set(seen_action_types(self._feed, module)))
        self.action_type.blockSignals(True)
        self.action_type.clear()
        self.action_type.addItems(self.offered)
        self.action_type.setCurrentText(typed)
        self.action_type.blockSignals(False)
        line = self.action_type.lineEdit()
        if line is not None:
            line.setPlaceholderText(f"a reducer of {module}, or type one" if self.offered else "type the action type")

    def _expected(self, action: str) -> dict[str, Any] | None:
        module = module_of_instance(self._feed, self.instance.currentText().strip())
        if module is None or self._payload_types is None:
            return None
        schema = self._payload_types(module).get(action)
        return dict(schema) if schema is not None else None

    def _check(self) -> bool:
        """Say what is missing or wrong; Dispatch is enabled only when nothing is."""
        problem = note = ""
        action = self.action_type.currentText().strip()
        self.expected = self._expected(action)
        self.expects.setText(str(self.expected.get("text", "?")) if self.expected else "any payload (not declared)")
        if not self.instance.currentText().strip():
            problem = "Choose the instance to dispatch to."
        elif not action:
            problem = "Name the action type."
        else:
            try:
                payload = parse_payload(self.payload.toPlainText())
            except PayloadError as err:
                problem = str(err)
            else:
                mismatch = payload_problem(self.expected, payload) if self.expected else None
                if mismatch is not None:
                    problem = f"The payload does not fit {action}: {mismatch}."
        if not problem and self.offered and action not in self.offered:
            note = f"{action!r} is not among the reducers listed ({', '.join(self.offered)}); the runtime may " \
                   "refuse it."
        self.problem.setText(problem or note)
        self.problem.setStyleSheet("color:#d64545" if problem else "color:palette(mid)")
        self.dispatch_button.setEnabled(not problem)
        return not problem

    def _dispatch(self) -> None:
        if not self._check():
            return
        payload = parse_payload(self.payload.toPlainText())
        self._on_dispatch(self.instance.currentText().strip(), self.action_type.currentText().strip(), payload)
        self.accept()
