"""The demo application's runtime part (no Qt): mount its parts, then drive them with asyncio tasks.

    rt = Runtime(label="demo", diagnostics="light")
    app = build_demo(rt)                  # mounts every part; returns the DemoApp (instances by name)
    await run_demo(rt, seconds=5.0)       # drives it for 5 s (None: until `stop` is set); cancels its tasks after

A part is a name, a `mount(rt, app)` that mounts its modules (or wires other runtime layers), and `drivers`:
coroutine functions `driver(app, stop)` that feed it until `stop` is set. Parts arriving with other runtime layers
(a sensor external store, a search source, backend operations for the todo saves, a cross-module declarative
link) register themselves with `register_part(...)` and need no change here. Everything the drivers do is a fixed
script over time (no random values), so two runs record the same kinds of events in the same order.
"""

from __future__ import annotations

import asyncio
import math
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from runtime import ModuleInstance, Runtime
from runtime.actions import ActionCoordinator, action

from .modules import form_module, sensor_module, todo_module

__all__ = ["DemoApp", "DemoPart", "build_demo", "run_demo", "register_part", "PARTS", "SENSOR_HZ"]

SENSOR_HZ = 60.0
Driver = Callable[["DemoApp", asyncio.Event], Awaitable[None]]


@dataclass(slots=True)
class DemoApp:
    """What build_demo mounted: instances by part name, and anything parts want to share."""

    runtime: Runtime
    instances: dict[str, ModuleInstance] = field(default_factory=dict)
    extras: dict[str, Any] = field(default_factory=dict)
    parts: list[str] = field(default_factory=list)

    def __getitem__(self, name: str) -> ModuleInstance:
        return self.instances[name]


@dataclass(frozen=True, slots=True)
class DemoPart:
    name: str
    mount: Callable[[Runtime, DemoApp], None]
    drivers: tuple[Driver, ...] = ()
    close: Callable[[DemoApp], Awaitable[None]] | None = None
    """Called when run_demo ends, after its drivers stopped (e.g. to settle async action runs)."""


PARTS: list[DemoPart] = []
_APPS: weakref.WeakKeyDictionary[Runtime, DemoApp] = weakref.WeakKeyDictionary()


def register_part(part: DemoPart) -> DemoPart:
    """Add a part to the demo (replacing one of the same name)."""
    PARTS[:] = [p for p in PARTS if p.name != part.name]
    PARTS.append(part)
    return part


async def _every(period_s: float, stop: asyncio.Event, step: Callable[[int], None]) -> None:
    """Call step(n) every period (drift-corrected) until stop is set."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    n = 0
    while not stop.is_set():
        step(n)
        n += 1
        delay = start + n * period_s - loop.time()
        if delay > 0:
            try:
                await asyncio.wait_for(stop.wait(), delay)
            except asyncio.TimeoutError:
                pass
        else:
            await asyncio.sleep(0)  # running late: still let the loop breathe


# -- the form ----------------------------------------------------------------------------------------------------

_NAMES = [("Ada", "Lovelace", "ada@analytical.org"), ("Alan", "Turing", "alan@bletchley.uk"),
          ("Grace", "Hopper", "grace@navy.mil")]


async def _submit_order(ctx: Any, total: float) -> float:
    await asyncio.sleep(0.25)  # the order service thinking; a newer submit supersedes this one (latest-wins)
    ctx.dispatch("mark_submitted", total)
    return total


SUBMIT_ORDER = action("submit-order", _submit_order, concurrency="latest-wins", lane="nonUrgent")


def _mount_form(rt: Runtime, app: DemoApp) -> None:
    app.instances["form"] = rt.mount(form_module(), "form#1", label="order form")
    app.extras["form.actions"] = ActionCoordinator(app.instances["form"])


async def _submit_now_and_then(app: DemoApp, stop: asyncio.Event) -> None:
    actions: ActionCoordinator = app.extras["form.actions"]
    form = app["form"]

    def step(n: int) -> None:
        if not form.disposed:
            actions.trigger(SUBMIT_ORDER, form.get_state()["total"])

    await _every(0.7, stop, step)  # sometimes faster than a submit settles: runs overlap and supersede


async def _close_form(app: DemoApp) -> None:
    await app.extras["form.actions"].aclose()


async def _type_into_form(app: DemoApp, stop: asyncio.Event) -> None:
    form = app["form"]
    script: list[tuple[str, Any]] = []
    for first, last, email in _NAMES:
        for field_name, text in (("first", first), ("last", last), ("email", email)):
            for k in range(1, len(text) + 1):
                script.append(("set_customer", {"field": field_name, "value": text[:k]}))
        script += [("add_item", {"name": "scone", "qty": 2, "price": 3.25}), ("set_qty", {"index": 0, "qty": 3}),
                   ("set_discount", 0.1), ("set_customer", {"field": "age", "value": 12}),
                   ("set_customer", {"field": "age", "value": 40}), ("remove_item", 1), ("set_discount", 0.0)]

    def step(n: int) -> None:
        action, payload = script[n % len(script)]
        if action == "remove_item" and len(form.get_state()["items"]) < 2:
            return
        form.dispatch(action, payload)

    await _every(0.12, stop, step)


# -- the sensor --------------------------------------------------------------------------------------------------


def sensor_sample(n: int) -> float:
    """The sensor's n-th reading: two sines and a slow drift (deterministic, crosses the alarm threshold)."""
    t = n / SENSOR_HZ
    return round(0.5 + 0.35 * math.sin(2 * math.pi * 0.25 * t) + 0.1 * math.sin(2 * math.pi * 3.1 * t)
                 + 0.05 * math.sin(t / 7), 4)


def _mount_sensor(rt: Runtime, app: DemoApp) -> None:
    app.instances["sensor"] = rt.mount(sensor_module(), "sensor#1", label="sensor")


async def _feed_sensor(app: DemoApp, stop: asyncio.Event) -> None:
    # Seam: the external-store layer replaces this feed with a 60 Hz ExternalStore the module subscribes to.
    sensor = app["sensor"]
    await _every(1 / SENSOR_HZ, stop, lambda n: sensor.dispatch("reading", sensor_sample(n)))


# -- the todo list -----------------------------------------------------------------------------------------------

_TODOS = ["buy tea", "write the report", "call the bank", "water the plants", "fix the bike"]


def _mount_todos(rt: Runtime, app: DemoApp) -> None:
    app.instances["todos"] = rt.mount(todo_module(), "todos#1", label="todo list")


async def _use_todos(app: DemoApp, stop: asyncio.Event) -> None:
    # Seam: the operations layer turns `add`/`toggle` into saves on the loopback backend (with receipts).
    todos = app["todos"]

    def step(n: int) -> None:
        phase = n % 4
        if phase == 0:
            todos.dispatch("set_draft", _TODOS[(n // 4) % len(_TODOS)])
        elif phase == 1:
            todos.dispatch("add")
        elif phase == 2:
            items = todos.get_state()["items"]
            if items:
                todos.dispatch("toggle", items[(n // 4) % len(items)]["id"])
        else:
            items = todos.get_state()["items"]
            if len(items) > 6:
                todos.dispatch("remove", items[0]["id"])

    await _every(0.4, stop, step)


register_part(DemoPart("form", _mount_form, (_type_into_form, _submit_now_and_then), _close_form))
register_part(DemoPart("sensor", _mount_sensor, (_feed_sensor,)))
register_part(DemoPart("todos", _mount_todos, (_use_todos,)))


# -- entry points ------------------------------------------------------------------------------------------------


def build_demo(rt: Runtime) -> DemoApp:
    """Mount every registered part in `rt` (once per runtime; a second call returns the same app)."""
    app = _APPS.get(rt)
    if app is not None:
        return app
    app = DemoApp(rt)
    for part in PARTS:
        part.mount(rt, app)
        app.parts.append(part.name)
    _APPS[rt] = app
    return app


async def run_demo(rt: Runtime, seconds: float | None, *, stop: asyncio.Event | None = None) -> DemoApp:
    """Drive the demo (building it first if needed) for `seconds`, or until `stop` is set when seconds is None.

    Every task it starts is finished or cancelled before it returns.
    """
    app = build_demo(rt)
    stop = stop or asyncio.Event()
    tasks = [asyncio.create_task(driver(app, stop), name=f"demo:{part.name}")
             for part in PARTS if part.name in app.parts for driver in part.drivers]
    try:
        if seconds is None:
            await stop.wait()
        else:
            try:
                await asyncio.wait_for(stop.wait(), seconds)
            except asyncio.TimeoutError:
                pass
    finally:
        stop.set()
        for task in tasks:
            task.cancel()
        results = await asyncio.gather(*tasks, return_exceptions=True)
        for part in PARTS:
            if part.name in app.parts and part.close is not None:
                await part.close(app)
    for result in results:
        if isinstance(result, Exception):
            raise result
    return app
