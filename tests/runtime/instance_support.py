"""The module and the event filters the instance and kernel tests share."""

from __future__ import annotations

from typing import Any

from runtime import Module, Runtime, computed


def counter_module(module_id: str = "counter", *, doubled: bool = True) -> Module:
    """`n` (and `double`, computed as twice `n`, when `doubled`). Reducers: `add` (an int payload) and `inc` add to
    `n`; `idle` writes nothing; `reset` returns a new state with `n` at 0; `boom` writes `n = 99`, then raises
    ValueError("bad payload")."""
    initial = {"n": 0, "double": 0} if doubled else {"n": 0}
    m = Module(module_id, initial, fields=[computed("double", deps=["n"], derive=lambda n: n * 2)] if doubled else [])

    @m.reducer("add")
    def add(draft, amount: int):
        draft["n"] += amount

    @m.reducer("inc")
    def inc(draft, _):
        draft["n"] += 1

    @m.reducer("idle")
    def idle(draft, _):
        return None

    @m.reducer("reset")
    def reset(draft, _):
        return {**draft, "n": 0}

    @m.reducer("boom")
    def boom(draft, _):
        draft["n"] = 99
        raise ValueError("bad payload")

    return m


def events_of(rt: Runtime, kind: str, label: str | None = None) -> list[dict[str, Any]]:
    """The hub's events of one kind (and label), oldest first."""
    return [e for e in rt.hub.events() if e["kind"] == kind and (label is None or e["label"] == label)]


def diagnostics(rt: Runtime, code: str | None = None) -> list[dict[str, Any]]:
    """The diagnostics the runtime reported (with this code)."""
    return events_of(rt, "diagnostic", code)
