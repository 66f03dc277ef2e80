"""The dashboard: a module that only reads the others, through the three cross-module paths the tick layer has.

- a declarative link `order-total` (rt.links.declare): the form's total dispatches `set_order_total` here, settled
  in the tick of the form's commit, so both new states are published together;
- a module-as-source field `open_todos` (external_store over from_module(todos, remaining)): the todo list's
  `remaining` reaches it in the same tick;
- a non-urgent, coalesced mirror `sensor_trend` of the sensor device's store: 60 frames a second become a low
  priority commit every quarter second, deferred by the tick's budget when urgent work is waiting.
"""

from __future__ import annotations

from typing import Any

from runtime import Module, ModuleInstance, Runtime, computed, external_store, from_module

from ..core import DemoApp, DemoPart
from .sensor import SensorDevice, sensor_trend

__all__ = ["PART", "ORDER_TOTAL_LINK", "TREND_WINDOW_MS", "dashboard_module"]

ORDER_TOTAL_LINK = "order-total"
TREND_WINDOW_MS = 250.0


def _headline(total: float, open_todos: int) -> str:
    return f"order {total:.2f} · {open_todos} todo{'' if open_todos == 1 else 's'} open"


def _read_total(state: dict[str, Any]) -> float:
    total: float = state["total"]
    return total


def _read_remaining(state: dict[str, Any]) -> int:
    remaining: int = state["remaining"]
    return remaining


def dashboard_module(device: SensorDevice, todos: ModuleInstance, order_total: float) -> Module:
    """The dashboard's fields; `order_total` starts at the form's current total (a link reacts to changes only)."""
    return Module(
        "dashboard",
        initial={"order_total": order_total, "order_updates": 0, "open_todos": 0, "sensor_trend": 0.0,
                 "headline": ""},
        fields=[
            external_store("open_todos", from_module(todos, _read_remaining, reads=["remaining"],
                                                     selector_id="todos.remaining")),
            external_store("sensor_trend", device.store, select=sensor_trend, priority="nonUrgent",
                           coalesce_window_ms=TREND_WINDOW_MS),
            computed("headline", deps=["order_total", "open_todos"], derive=_headline),
        ],
        reducers={"set_order_total": _set_order_total},
    )


def _set_order_total(draft: Any, total: float) -> None:
    draft["order_total"] = total
    draft["order_updates"] += 1


def _mount(rt: Runtime, app: DemoApp) -> None:
    form, todos = app["form"], app["todos"]
    device: SensorDevice = app.extras["sensor.device"]
    dashboard = rt.mount(dashboard_module(device, todos, form.get_state()["total"]), "dashboard#1",
                         label="dashboard")
    app.instances["dashboard"] = dashboard
    app.extras["dashboard.link"] = rt.links.declare(
        ORDER_TOTAL_LINK, source=form, read=_read_total, reads=["total"], selector_id="form.total",
        target=dashboard, action="set_order_total")


PART = DemoPart("dashboard", _mount)
