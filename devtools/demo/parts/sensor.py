"""The sensor: a 60 Hz device publishing frames through a value store, mirrored by an `external_store` field.

The device knows nothing about the runtime: each `push()` reads the next sample and `set()`s a new frame on its
store. The module's `reading` field subscribes to that store, so a burst of frames between two ticks becomes one
commit (origin `field-external-store`), never a dispatch. The dashboard mirrors the same store a second time,
non-urgently and coalesced (see dashboard.py), which is where the tick layer's priorities show.
"""

from __future__ import annotations

import asyncio
import math
from collections import deque
from typing import Any

from runtime import Runtime, ValueStore

from ..core import DemoApp, DemoPart, every
from ..modules import SENSOR_HISTORY, sensor_module

__all__ = ["PART", "SENSOR_HZ", "SensorDevice", "sensor_sample", "sensor_trend"]

SENSOR_HZ = 60.0
TREND_WINDOW = 30
"""Readings averaged into the trend (half a second)."""


def sensor_sample(n: int) -> float:
    """The sensor's n-th reading: two sines and a slow drift (deterministic, crosses the alarm threshold)."""
    t = n / SENSOR_HZ
    return round(0.5 + 0.35 * math.sin(2 * math.pi * 0.25 * t) + 0.1 * math.sin(2 * math.pi * 3.1 * t)
                 + 0.05 * math.sin(t / 7), 4)


def sensor_trend(frame: dict[str, Any]) -> float:
    """The mean of the frame's last TREND_WINDOW readings (0.0 before the first one)."""
    recent = frame["history"][-TREND_WINDOW:]
    return round(sum(recent) / len(recent), 3) if recent else 0.0


class SensorDevice:
    """A sampled sensor. `store` is its ExternalStore: a frame `{seq, value, history}` per reading."""

    def __init__(self, history: int = SENSOR_HISTORY) -> None:
        self.samples = 0
        self._history: deque[float] = deque(maxlen=history)
        self.store: ValueStore[dict[str, Any]] = ValueStore(self.frame(), store_id="sensor-device")

    def frame(self) -> dict[str, Any]:
        return {"seq": self.samples, "value": self._history[-1] if self._history else 0.0,
                "history": list(self._history)}

    def push(self) -> float:
        """Take the next reading and publish it."""
        value = sensor_sample(self.samples)
        self._history.append(value)
        self.samples += 1
        self.store.set(self.frame())
        return value


def _mount(rt: Runtime, app: DemoApp) -> None:
    device = SensorDevice()
    app.extras["sensor.device"] = device
    app.instances["sensor"] = rt.mount(sensor_module(device.store), "sensor#1", label="sensor")


async def _feed(app: DemoApp, stop: asyncio.Event) -> None:
    device: SensorDevice = app.extras["sensor.device"]
    sensor = app["sensor"]

    def step(n: int) -> None:
        device.push()
        if n % 180 == 179 and not sensor.disposed:  # every 3 s an operator moves the alarm threshold
            sensor.dispatch("set_threshold", 0.8 if (n // 180) % 2 == 0 else 0.9)

    await every(1 / SENSOR_HZ, stop, step)


PART = DemoPart("sensor", _mount, (_feed,))
