"""Small modules and event readers shared by the tick/store/external-store/link tests."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from runtime import Module, Runtime, computed


def _set(key: str):
    def reducer(draft: Any, payload: Any) -> None:
        draft[key] = payload

    return reducer


def _add(draft: Any, amount: Any) -> None:
    draft["count"] += 1 if amount is None else amount


def counter(module_id: str = "counter", **fields_kw: Any) -> Module:
    """count / label / other, with a computed `doubled` (so converge runs in each commit)."""
    return Module(
        module_id,
        initial={"count": 0, "label": "", "other": 0, "doubled": 0},
        reducers={"add": _add, "setLabel": _set("label"), "setOther": _set("other"), "setCount": _set("count")},
        fields=[computed("doubled", deps=["count"], derive=lambda c: c * 2)],
    )


def ticks(rt: Runtime, phase: str | None = None) -> list[dict[str, Any]]:
    """The metas of the trace:tick events in the hub (optionally of one phase)."""
    return [e["meta"] for e in rt.hub.events()
            if e["label"] == "trace:tick" and (phase is None or e["meta"]["phase"] == phase)]


def diagnostics(rt: Runtime, code: str) -> list[dict[str, Any]]:
    return [e for e in rt.hub.events() if e["kind"] == "diagnostic" and e["label"] == code]


class Recorder:
    """A topic listener that records the snapshot and tick_seq it saw at each call."""

    def __init__(self, facade: Any) -> None:
        self.facade = facade
        self.calls: list[tuple[int, Any]] = []

    def __call__(self) -> None:
        self.calls.append((self.facade.tick_seq, self.facade.get_snapshot()))

    @property
    def count(self) -> int:
        return len(self.calls)


def watched(rt: Runtime, inst: Any) -> Recorder:
    """A Recorder subscribed to `inst`'s module topic (the topic is its `facade`)."""
    seen = Recorder(rt.store.topic(inst))
    seen.facade.subscribe(seen)
    return seen


async def turns_until(done: Callable[[], bool], what: str, turns: int = 200) -> None:
    """Let the loop run one turn at a time until `done()`: ticks are call_soon / call_later(0) callbacks, so a
    bounded number of turns is a wait on the event, not on the clock."""
    for _ in range(turns):
        if done():
            return
        await asyncio.sleep(0)
    raise AssertionError(f"{what} did not happen within {turns} loop turns")


TIMED = {"timestamp", "timestampMs", "executionDurationMs", "decisionDurationMs", "buildDurationMs", "elapsedMs",
         "durationMs"}
"""Keys of exported events whose values are times or durations of the run itself."""


def untimed(value: Any) -> Any:
    """An exported event (or any part of one) with its time values zeroed, so two runs of the same work compare."""
    if isinstance(value, dict):
        return {k: 0 if k in TIMED else untimed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [untimed(v) for v in value]
    return value
