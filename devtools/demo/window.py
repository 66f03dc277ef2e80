"""The demo application's own window, built on the public Qt adapter (devtools.qt) for every widget it has.

    ui = QtAdapter(rt)
    window = DemoWindow(app, ui)          # after the parts started (their coordinators exist then)
    window.show()

Order form: name fields two-way through `set_customer`, the total and the full name (a selector topic), Submit
(`submit-order`, busy while it runs). Todos: the draft two-way through `set_draft` (each edit also autosaves,
`save-draft`), Add (`save-todo`, optimistic, then the `take_draft` reducer), the list's summary, a spinner while saves
are pending. Sensor: the reading. Search: the query two-way through `set_query`, the result count. Dashboard: the
headline. Nothing here writes a widget from its own truth: every value comes from a topic, every change goes
through an action.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QFormLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from runtime import ActionCoordinator
from runtime.busy import BusyBoundary, runs_of

from ..qt import QtAdapter, busy_spinner
from .core import DemoApp
from .parts.form import SUBMIT_ORDER
from .parts.todos import SAVE_DRAFT, SAVE_TODO

__all__ = ["DemoWindow", "open_demo_window"]


def _todo_summary(state: dict[str, Any]) -> str:
    items = state["items"]
    if not items:
        return "no todos"
    last = items[-1]
    return f"{state['remaining']} open of {len(items)}; last: {last['title']} ({last.get('sync', '-')})"


def _new_todo(state: Mapping[str, Any]) -> dict[str, Any]:
    return {"id": state["next_id"], "title": state["draft"].strip()}


def _customer_field(name: str) -> Callable[[dict[str, Any]], Any]:
    return lambda state: state["customer"][name]


def _customer_edit(name: str) -> Callable[[Any], dict[str, Any]]:
    return lambda value: {"field": name, "value": value}


def _order(state: Mapping[str, Any]) -> dict[str, Any]:
    return {"n": state["submitted"]["count"], "total": state["total"]}


class DemoWindow(QWidget):
    """Every part of the demo as widgets, bound through `ui`."""

    def __init__(self, app: DemoApp, ui: QtAdapter, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("tickscope demo")
        self.ui = ui
        self.app = app
        rt = app.runtime
        self.boundaries: list[BusyBoundary] = []
        layout = QHBoxLayout(self)
        left, right = QVBoxLayout(), QVBoxLayout()
        layout.addLayout(left)
        layout.addLayout(right)
        left.addWidget(self._form(rt.store, app))
        left.addWidget(self._todos(rt.store, app))
        right.addWidget(self._sensor(rt.store, app))
        right.addWidget(self._search(rt.store, app))
        right.addWidget(self._dashboard(rt.store, app))
        right.addStretch(1)

    def _busy(self, *action_ids: str, instance_id: str) -> BusyBoundary:
        boundary = BusyBoundary(self.app.runtime.pending, match=runs_of(*action_ids, instance_id=instance_id))
        self.boundaries.append(boundary)
        return boundary

    def _form(self, store: Any, app: DemoApp) -> QGroupBox:
        form = app["form"]
        actions: ActionCoordinator = app.extras["form.actions"]
        box = QGroupBox("order form")
        rows = QFormLayout(box)
        topic = store.topic(form)
        self.first, self.last = QLineEdit(), QLineEdit()
        for field_name, edit in (("first", self.first), ("last", self.last)):
            edit.setObjectName(f"form.{field_name}")
            self.ui.bind(edit, "text", topic, to=_customer_field(field_name), edit="set_customer", on=form,
                         edit_payload=_customer_edit(field_name))
            rows.addRow(field_name, edit)
        self.full_name = QLabel()
        self.ui.bind(self.full_name, "text", store.select(form, lambda s: s["full_name"], reads=["full_name"]))
        rows.addRow("name", self.full_name)
        self.total = QLabel()
        self.total.setObjectName("form.total")
        self.ui.bind(self.total, "text", topic, to=lambda s: f"{s['total']:.2f} ({s['submitted']['count']} sent)")
        rows.addRow("total", self.total)
        self.submit = QPushButton("Submit")
        self.submit.setObjectName("form.submit")
        self.ui.connect(self.submit.clicked, SUBMIT_ORDER, on=actions, payload=lambda: _order(form.get_state()))
        spinner = busy_spinner(box)
        self.ui.bind_busy(self.submit, self._busy(SUBMIT_ORDER.action_id, instance_id=form.instance_id),
                          spinner=spinner)
        rows.addRow(self.submit, spinner)
        return box

    def _todos(self, store: Any, app: DemoApp) -> QGroupBox:
        todos = app["todos"]
        actions: ActionCoordinator = app.extras["todos.actions"]
        box = QGroupBox("todos")
        rows = QVBoxLayout(box)
        topic = store.topic(todos)
        self.draft = QLineEdit()
        self.draft.setObjectName("todos.draft")
        self.ui.bind(self.draft, "text", topic, to=lambda s: s["draft"], edit="set_draft", on=todos)
        self.ui.connect(self.draft.textEdited, SAVE_DRAFT, on=actions)  # the autosave of the draft
        self.add = QPushButton("Add")
        self.add.setObjectName("todos.add")
        self.ui.bind(self.add, "enabled", topic, to=lambda s: bool(s["draft"].strip()))  # "add" needs a title
        # What devtools.demo.parts.add_todo does, as two connections in order: the save (optimistic: the item shows
        # at once and goes again if the save fails) takes the draft's title and the next id, then the draft is taken.
        self.ui.connect(self.add.clicked, SAVE_TODO, on=actions, payload=lambda: _new_todo(todos.get_state()))
        self.ui.connect(self.add.clicked, "take_draft", on=todos)
        self.summary = QLabel()
        self.summary.setObjectName("todos.summary")
        self.ui.bind(self.summary, "text", topic, to=_todo_summary)
        spinner = busy_spinner(box)
        self.ui.bind_busy(self.add, self._busy("save-todo", "save-toggle", instance_id=todos.instance_id),
                          disable=False, spinner=spinner)
        line = QHBoxLayout()
        line.addWidget(self.draft)
        line.addWidget(self.add)
        rows.addLayout(line)
        rows.addWidget(self.summary)
        rows.addWidget(spinner)
        return box

    def _sensor(self, store: Any, app: DemoApp) -> QGroupBox:
        sensor = app["sensor"]
        box = QGroupBox("sensor")
        rows = QVBoxLayout(box)
        self.reading = QLabel()
        self.ui.bind(self.reading, "text", store.select(sensor, lambda s: s["reading"]["value"],
                                                         reads=["reading.value"]), to=lambda v: f"{v:.3f}")
        rows.addWidget(self.reading)
        return box

    def _search(self, store: Any, app: DemoApp) -> QGroupBox:
        search = app["search"]
        box = QGroupBox("product search")
        rows = QVBoxLayout(box)
        topic = store.topic(search)
        self.query = QLineEdit()
        self.query.setObjectName("search.query")
        self.ui.bind(self.query, "text", topic, to=lambda s: s["query"], edit="set_query", on=search)
        self.results = QLabel()
        self.ui.bind(self.results, "text", topic,
                     to=lambda s: f"{s['result_count']} found ({s['results'].get('status', 'idle')})")
        rows.addWidget(self.query)
        rows.addWidget(self.results)
        return box

    def _dashboard(self, store: Any, app: DemoApp) -> QGroupBox:
        box = QGroupBox("dashboard")
        rows = QVBoxLayout(box)
        self.headline = QLabel()
        self.headline.setObjectName("dashboard.headline")
        self.ui.bind(self.headline, "text", store.topic(app["dashboard"]), to=lambda s: s["headline"])
        rows.addWidget(self.headline)
        return box

    def close_boundaries(self) -> None:
        for boundary in self.boundaries:
            boundary.close()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802  (Qt's virtual)
        self.close_boundaries()
        self.ui.close()
        super().closeEvent(event)


def open_demo_window(app: DemoApp) -> DemoWindow:
    """The demo's window on an adapter of its own, shown (what `tickscope` opens beside the devtools window)."""
    window = DemoWindow(app, QtAdapter(app.runtime))
    window.show()
    return window
