"""What every demo part builds on: the app record, the part record and registry, fault switches, a fixed-rate loop.

A part is a name, a `mount(rt, app)` that mounts its modules synchronously (no loop needed, so tests and benches can
build the demo in a plain script), an optional `start(app)` run inside the loop before the drivers (wiring what
needs a loop: the backend, source fields), `drivers` (coroutines `driver(app, stop)` that feed it until `stop` is
set), and an optional `close(app)` run after the drivers stopped, which must leave nothing pending.

Fault switches are how the UI breaks the demo on purpose: a part registers a `FaultSwitch` at mount, the GUI binds
`app.fault_switches()` to toggles and calls `app.set_fault(name, on)`.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from runtime import ModuleInstance, Runtime

__all__ = ["DemoApp", "DemoPart", "FaultSwitch", "UnknownFault", "PARTS", "register_part", "every"]

Driver = Callable[["DemoApp", asyncio.Event], Coroutine[Any, Any, None]]
"""A coroutine function `driver(app, stop)` that feeds a part until `stop` is set."""


class UnknownFault(ValueError):
    """`set_fault` named a switch the demo does not have, or gave it something other than a bool."""


@dataclass(frozen=True, slots=True)
class FaultSwitch:
    """One way to break the demo: `apply(on)` turns it on or off (called again whenever it changes)."""

    name: str
    description: str
    apply: Callable[[bool], None]


@dataclass(slots=True)
class DemoApp:
    """What build_demo mounted: instances by part name, and anything parts want to share."""

    runtime: Runtime
    instances: dict[str, ModuleInstance] = field(default_factory=dict)
    extras: dict[str, Any] = field(default_factory=dict)
    parts: list[str] = field(default_factory=list)
    _switches: dict[str, FaultSwitch] = field(default_factory=dict)
    _faults_on: dict[str, bool] = field(default_factory=dict)
    manual_faults: bool = False
    """True once somebody other than the demo's own script flipped a switch: the script then leaves them alone."""

    def __getitem__(self, name: str) -> ModuleInstance:
        return self.instances[name]

    # -- fault switches ---------------------------------------------------------------------------------------------

    def add_fault(self, switch: FaultSwitch) -> None:
        if switch.name in self._switches:
            raise ValueError(f"fault switch {switch.name!r} is registered twice")
        self._switches[switch.name] = switch
        self._faults_on[switch.name] = False

    def fault_switches(self) -> list[FaultSwitch]:
        """Every switch, in registration order (what a UI lists as toggles)."""
        return list(self._switches.values())

    @property
    def faults(self) -> dict[str, bool]:
        """Which switches are on now."""
        return dict(self._faults_on)

    def set_fault(self, name: str, on: bool) -> None:
        """Turn a fault switch on or off (from a UI or a test). The demo's scripted fault drill stops from now on."""
        self.manual_faults = True
        self._switch(name, on)

    def _switch(self, name: str, on: bool) -> None:
        switch = self._switches.get(name)
        if switch is None:
            known = ", ".join(self._switches) or "none"
            raise UnknownFault(f"the demo has no fault switch {name!r} (it has: {known})")
        if not isinstance(on, bool):
            raise UnknownFault(f"fault switch {name!r} is turned on or off with a bool, not {on!r}")
        if self._faults_on[name] == on:
            return
        self._faults_on[name] = on
        switch.apply(on)

    def scripted_fault(self, name: str, on: bool) -> bool:
        """The demo's own drill flips a switch, unless a user took over; returns whether it did."""
        if self.manual_faults:
            return False
        self._switch(name, on)
        return True


@dataclass(frozen=True, slots=True)
class DemoPart:
    name: str
    mount: Callable[[Runtime, DemoApp], None]
    drivers: tuple[Driver, ...] = ()
    close: Callable[[DemoApp], Awaitable[None]] | None = None
    """Called when run_demo ends, after its drivers stopped (settles runs, stops servers: nothing left pending)."""
    start: Callable[[DemoApp], Awaitable[None]] | None = None
    """Called by run_demo in the running loop before the drivers start (wires what needs a loop)."""


PARTS: list[DemoPart] = []


def register_part(part: DemoPart) -> DemoPart:
    """Add a part to the demo (replacing one of the same name, in place so the mount order stays)."""
    for i, existing in enumerate(PARTS):
        if existing.name == part.name:
            PARTS[i] = part
            return part
    PARTS.append(part)
    return part


async def every(period_s: float, stop: asyncio.Event, step: Callable[[int], None]) -> None:
    """Call step(n) every period (drift-corrected) until stop is set."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    n = 0
    while not stop.is_set():
        step(n)
        n += 1
        delay = start + n * period_s - loop.time()
        if delay > 0:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(delay):
                    await stop.wait()
        else:
            await asyncio.sleep(0)  # running late: still let the loop breathe
