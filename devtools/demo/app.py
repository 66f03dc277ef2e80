"""The demo application's runtime part (no Qt): mount its parts, then drive them with asyncio tasks.

    rt = Runtime(label="demo", diagnostics="light")
    app = build_demo(rt)                  # mounts every part; returns the DemoApp (instances by name)
    await run_demo(rt, seconds=5.0)       # drives it for 5 s (None: until `stop` is set); stops everything after
    app.set_fault("fail_saves", True)     # break the todo saves on purpose (the GUI binds app.fault_switches())

The parts (devtools/demo/parts/, one file each): an order form with computed fields, checks, a list and a
latest-wins submit action; a 60 Hz sensor mirrored from its device's store by an external-store field; a product
search backed by an async source; a todo list whose saves are backend operations on the loopback backend; a
dashboard fed by a declarative link, a module-as-source field and a non-urgent coalesced mirror of the sensor.
Everything the drivers do is a fixed script over time (no random values), so two runs record the same kinds of
events in the same order. When run_demo returns, no task, action run or backend operation it started is left.
"""

from __future__ import annotations

import asyncio
import contextlib
import weakref
from collections.abc import Callable

from runtime import Runtime

from . import parts as _parts  # noqa: F401  (registers the parts)
from .core import PARTS, DemoApp, DemoPart, FaultSwitch, UnknownFault, register_part
from .parts.sensor import SENSOR_HZ, SensorDevice, sensor_sample

__all__ = ["DemoApp", "DemoPart", "FaultSwitch", "UnknownFault", "SensorDevice", "build_demo", "run_demo",
           "start_demo", "close_demo",
           "register_part", "sensor_sample", "PARTS", "SENSOR_HZ"]

_APPS: weakref.WeakKeyDictionary[Runtime, DemoApp] = weakref.WeakKeyDictionary()


def build_demo(rt: Runtime) -> DemoApp:
    """Mount every registered part in `rt` (once per runtime; a second call returns the same app). No loop needed."""
    app = _APPS.get(rt)
    if app is not None:
        return app
    app = DemoApp(rt)
    for part in PARTS:
        part.mount(rt, app)
        app.parts.append(part.name)
    _APPS[rt] = app
    return app


async def run_demo(rt: Runtime, seconds: float | None, *, stop: asyncio.Event | None = None,
                   on_started: Callable[[DemoApp], None] | None = None) -> DemoApp:
    """Drive the demo (building it first if needed) for `seconds`, or until `stop` is set when seconds is None.
    `on_started(app)` runs once every part started, before the drivers (the GUI opens the demo's window there).

    Parts start in mount order and close in reverse order after every driver has finished; every task, action run
    and backend operation they started is settled and the backend is stopped before this returns.
    """
    app = build_demo(rt)
    stop = stop or asyncio.Event()
    parts = [part for part in PARTS if part.name in app.parts]
    started: list[DemoPart] = []
    tasks: list[asyncio.Task[None]] = []
    results: list[object] = []
    try:
        for part in parts:
            if part.start is not None:
                await part.start(app)
            started.append(part)
        if on_started is not None:
            on_started(app)
        tasks = [asyncio.create_task(driver(app, stop), name=f"demo:{part.name}")
                 for part in parts for driver in part.drivers]
        if seconds is None:
            await stop.wait()
        else:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(seconds):
                    await stop.wait()
    finally:
        stop.set()
        for task in tasks:
            task.cancel()
        results = list(await asyncio.gather(*tasks, return_exceptions=True))
        for part in reversed(started):
            if part.close is not None:
                try:
                    await part.close(app)
                except Exception as exc:  # the other parts still close; the first failure is raised below
                    results.append(exc)
    for result in results:
        if isinstance(result, Exception):
            raise result
    return app


async def start_demo(rt: Runtime) -> DemoApp:
    """Build the demo and start its parts (the backend, the coordinators) without their drivers: for a UI or a
    bench that drives the demo itself. End it with `close_demo`."""
    app = build_demo(rt)
    for part in PARTS:
        if part.name in app.parts and part.start is not None:
            await part.start(app)
    return app


async def close_demo(app: DemoApp) -> None:
    """Close the parts `start_demo` started, in reverse order (nothing they started is left pending)."""
    for part in reversed([p for p in PARTS if p.name in app.parts]):
        if part.close is not None:
            await part.close(app)
