"""The order form: a scripted customer types into it, edits its line items, and submits it now and then.

Submitting is an async action (latest-wins): a newer submit supersedes one still thinking, so the action runs view
shows cancelled/override runs beside successful ones.
"""

from __future__ import annotations

import asyncio
from typing import Any

from runtime import Runtime
from runtime.actions import ActionContext, ActionCoordinator, action

from ..core import DemoApp, DemoPart, every
from ..modules import form_module

__all__ = ["PART", "SUBMIT_ORDER", "FORM_SCRIPT"]

_NAMES = [("Ada", "Lovelace", "ada@analytical.org"), ("Alan", "Turing", "alan@bletchley.uk"),
          ("Grace", "Hopper", "grace@navy.mil")]


def _typed(field_name: str, text: str) -> list[tuple[str, Any]]:
    return [("set_customer", {"field": field_name, "value": text[:k]}) for k in range(1, len(text) + 1)]


def _script() -> list[tuple[str, Any]]:
    """The customer's keystrokes and clicks; item edits come early so the total (and its link) moves soon."""
    script: list[tuple[str, Any]] = []
    for first, last, email in _NAMES:
        script += _typed("first", first)
        script += [("add_item", {"name": "scone", "qty": 2, "price": 3.25})]
        script += _typed("last", last)
        script += [("set_qty", {"index": 0, "qty": 3}), ("set_discount", 0.1)]
        script += _typed("email", email)
        script += [("set_customer", {"field": "age", "value": 12}), ("set_customer", {"field": "age", "value": 40}),
                   ("remove_item", 1), ("set_discount", 0.0), ("set_qty", {"index": 0, "qty": 1})]
    return script


FORM_SCRIPT = _script()


async def _submit_order(ctx: ActionContext, order: dict[str, Any]) -> float:
    # The order service thinks; every third order takes longer than the 0.7 s between submits, so the next submit
    # supersedes it (latest-wins: cancelled/override).
    await asyncio.sleep(0.9 if order["n"] % 3 == 2 else 0.25)
    total: float = order["total"]
    ctx.dispatch("mark_submitted", total)
    return total


SUBMIT_ORDER = action("submit-order", _submit_order, concurrency="latest-wins", lane="nonUrgent")


def _mount(rt: Runtime, app: DemoApp) -> None:
    app.instances["form"] = rt.mount(form_module(), "form#1", label="order form")


async def _start(app: DemoApp) -> None:
    app.extras["form.actions"] = ActionCoordinator(app["form"])


async def _type_into_form(app: DemoApp, stop: asyncio.Event) -> None:
    form = app["form"]

    def step(n: int) -> None:
        name, payload = FORM_SCRIPT[n % len(FORM_SCRIPT)]
        if name == "remove_item" and len(form.get_state()["items"]) < 2:
            return
        form.dispatch(name, payload)

    await every(0.12, stop, step)


async def _submit_now_and_then(app: DemoApp, stop: asyncio.Event) -> None:
    actions: ActionCoordinator = app.extras["form.actions"]
    form = app["form"]

    def step(n: int) -> None:
        if not form.disposed:
            actions.trigger(SUBMIT_ORDER, {"n": n, "total": form.get_state()["total"]})

    await every(0.7, stop, step)


async def _close(app: DemoApp) -> None:
    actions: ActionCoordinator | None = app.extras.get("form.actions")
    if actions is not None:
        await actions.aclose()


PART = DemoPart("form", _mount, (_type_into_form, _submit_now_and_then), _close, _start)
