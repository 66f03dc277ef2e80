"""The demo's modules: a form with derived fields, checks and a list; a sensor; a todo list. Plain runtime code.

Every reducer declares its payload type (the annotation of its payload parameter): a dispatch of another shape, from
the code or from an attached devtools window, is refused before the reducer runs.
"""

from __future__ import annotations

import re
from typing import Any, Literal, TypedDict

from runtime import ExternalStore, Module, Rule, check, computed, external_store

__all__ = ["form_module", "sensor_module", "todo_module", "flip", "mark_sync", "new_todo", "note_rollback",
           "SENSOR_HISTORY", "CustomerEdit", "LineItem", "QtyEdit"]

SENSOR_HISTORY = 120
"""Readings the sensor keeps (two seconds at 60 Hz)."""
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$")


class CustomerEdit(TypedDict):
    """One field of the customer and its new value (`age` takes a number)."""

    field: Literal["first", "last", "email", "age"]
    value: str | int


class LineItem(TypedDict):
    name: str
    qty: int
    price: float


class QtyEdit(TypedDict):
    """The quantity of the line item at `index`."""

    index: int
    qty: int


def _email_format(value: str) -> str | None:
    return None if not value or _EMAIL.match(value) else "not an email address"


def form_module() -> Module:
    """An order form: a customer, line items, derived totals, and checks that follow the fields they read."""
    form = Module(
        "form",
        initial={
            "customer": {"first": "", "last": "", "email": "", "age": 30},
            "items": [{"name": "tea", "qty": 1, "price": 4.5}],
            "discount": 0.0,
            "full_name": "",
            "subtotal": 0.0,
            "total": 0.0,
            "item_count": 0,
            "submitted": {"count": 0, "last_total": None},
            "runs": {},
        },
        fields=[
            computed("full_name", deps=["customer.first", "customer.last"],
                     derive=lambda first, last: f"{first} {last}".strip()),
            computed("subtotal", deps=["items.qty", "items.price"],
                     derive=lambda qtys, prices: round(sum(q * p for q, p in zip(qtys, prices, strict=False)), 2)),
            computed("item_count", deps=["items.qty"], derive=lambda qtys: sum(qtys)),
            computed("total", deps=["subtotal", "discount"],
                     derive=lambda subtotal, discount: round(subtotal * (1 - discount), 2)),
            check("customer.email", {
                "required": lambda v: None if v else "required",
                "format": _email_format,
            }),
            check("customer.age", {"range": lambda v: None if 18 <= v <= 120 else "must be between 18 and 120"}),
            check("items", {"not_empty": Rule(lambda n: None if n else "add at least one item", deps=("item_count",))}),
        ],
    )

    @form.reducer("set_customer")
    def set_customer(draft: Any, payload: CustomerEdit) -> None:
        draft["customer"][payload["field"]] = payload["value"]

    @form.reducer("add_item")
    def add_item(draft: Any, item: LineItem) -> None:
        draft["items"].append(dict(item))

    @form.reducer("set_qty")
    def set_qty(draft: Any, payload: QtyEdit) -> None:
        draft["items"][payload["index"]]["qty"] = payload["qty"]

    @form.reducer("remove_item")
    def remove_item(draft: Any, index: int) -> None:
        del draft["items"][index]

    @form.reducer("mark_submitted")
    def mark_submitted(draft: Any, total: float) -> None:
        draft["submitted"]["count"] += 1
        draft["submitted"]["last_total"] = total

    @form.reducer("set_discount")
    def set_discount(draft: Any, discount: float) -> None:
        draft["discount"] = discount

    return form


def sensor_module(device: ExternalStore[dict[str, Any]]) -> Module:
    """A sensor mirrored from its device's store (`reading` = {seq, value, history}), statistics and an alarm."""
    return Module(
        "sensor",
        initial={"reading": device.get_snapshot(), "threshold": 0.9,
                 "stats": {"min": 0.0, "max": 0.0, "avg": 0.0}},
        fields=[
            external_store("reading", device, meta={"hz": 60}),
            computed("stats.min", deps=["reading.history"], derive=lambda h: min(h) if h else 0.0),
            computed("stats.max", deps=["reading.history"], derive=lambda h: max(h) if h else 0.0),
            computed("stats.avg", deps=["reading.history"],
                     derive=lambda h: round(sum(h) / len(h), 4) if h else 0.0),
            check("reading.value", {"alarm": Rule(
                lambda v, limit: f"reading {v:.2f} above {limit}" if v > limit else None,
                deps=("reading.value", "threshold"))}),
        ],
        reducers={"set_threshold": _set_threshold},
    )


def _set_threshold(draft: Any, limit: float) -> None:
    draft["threshold"] = limit


def todo_module() -> Module:
    """A todo list whose items carry their backend sync status; `runs` and `operations` are written by the action
    coordinator and the operation binding (their single writers)."""
    todos = Module(
        "todos",
        initial={"items": [], "draft": "", "next_id": 1, "remaining": 0, "done_count": 0,
                 "saved_draft": "", "sync": {"saved": 0, "failed": 0, "rolled_back": 0}, "last_rollback": None,
                 "runs": {}, "operations": {}},
        fields=[
            computed("remaining", deps=["items.done"], derive=lambda done: sum(1 for d in done if not d)),
            computed("done_count", deps=["items.done"], derive=lambda done: sum(1 for d in done if d)),
            check("draft", {"length": lambda v: "at most 60 characters" if len(v) > 60 else None}),
        ],
        paths=["items.id", "items.title", "items.sync"],
    )

    @todos.reducer("set_draft")
    def set_draft(draft: Any, text: str) -> None:
        draft["draft"] = text

    @todos.reducer("add")
    def add(draft: Any, _: None = None) -> None:  # the title is the draft's
        title = draft["draft"].strip()
        if title:
            draft["items"].append({"id": draft["next_id"], "title": title, "done": False, "sync": "saving"})
            draft["next_id"] += 1
            draft["draft"] = ""

    @todos.reducer("take_draft")
    def take_draft(draft: Any, _: None = None) -> None:
        """The user pressed add: the draft is consumed and its id reserved; the item itself is added by the save
        (optimistically, see devtools.demo.parts.todos)."""
        if draft["draft"].strip():
            draft["next_id"] += 1
            draft["draft"] = ""

    @todos.reducer("toggle")
    def toggle(draft: Any, todo_id: int) -> None:
        for item in draft["items"]:
            if item["id"] == todo_id:
                item["done"] = not item["done"]
                item["sync"] = "saving"

    @todos.reducer("remove")
    def remove(draft: Any, todo_id: int) -> None:
        items = draft["items"]
        for i, item in enumerate(items):
            if item["id"] == todo_id:
                del items[i]
                return

    @todos.reducer("draft_saved")
    def draft_saved(draft: Any, text: str) -> None:
        draft["saved_draft"] = text

    return todos


def new_todo(todo_id: int, title: str) -> dict[str, Any]:
    return {"id": todo_id, "title": title, "done": False, "sync": "saving"}


def flip(draft: Any, todo_id: int) -> None:
    """Flip one item's done flag and mark it saving (what a toggle's optimistic change writes)."""
    for item in draft["items"]:
        if item["id"] == todo_id:
            item["done"] = not item["done"]
            item["sync"] = "saving"


def note_rollback(draft: Any, what: str, error: dict[str, Any]) -> None:
    """A save failed and its optimistic change was rolled back: count it and say what went."""
    draft["sync"]["rolled_back"] += 1
    draft["last_rollback"] = f"{what}: {error.get('code') or error.get('message')}"


def mark_sync(draft: Any, todo_id: int, status: str) -> None:
    """Set one item's sync status (`saving | saved | failed`) and count outcomes; a removed item is skipped."""
    for item in draft["items"]:
        if item["id"] == todo_id:
            item["sync"] = status
    if status in ("saved", "failed"):
        draft["sync"][status] += 1
