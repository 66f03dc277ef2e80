"""Two real recordings of one session for the trace comparison tests: the same script, with B's `add` reducer made
slow (real work in the reducer) and, optionally, B's tick budget cut so its ticks degrade."""

from __future__ import annotations

from pathlib import Path

from runtime import Module, Runtime, TickConfig, computed
from runtime.trace import TraceWriter

SLOW_WORK = 400_000
"""Loop turns B's slow reducer spends (milliseconds of real work; the unchanged reducers take microseconds)."""


def _cart(slow: bool) -> Module:
    m = Module("cart", initial={"items": [], "name": "", "total": 0, "spent": 0},
               fields=[computed("total", deps=["items"], derive=lambda items: sum(items))])

    @m.reducer("add")
    def add(draft, price: int) -> None:
        if slow:
            spent = 0
            for i in range(SLOW_WORK):
                spent += i & 1
            draft["spent"] = spent
        draft["items"].append(price)

    @m.reducer("rename")
    def rename(draft, name: str) -> None:
        draft["name"] = name

    return m


def record_cart(path: Path, *, slow: bool = False, tight_ticks: bool = False, rounds: int = 6) -> Path:
    """Mount the cart, then `rounds` times an add and a rename, one tick each; with `tight_ticks` the last rounds
    also write three carts in one batch under a one-step tick budget (degraded ticks)."""
    rt = Runtime(label="app", diagnostics="full", tick=TickConfig(max_steps=1) if tight_ticks else None)
    writer = TraceWriter(path, label="app").attach(rt.hub, runtime=rt)
    carts = [rt.mount(_cart(slow)) for _ in range(3 if tight_ticks else 1)]
    for i in range(rounds):
        carts[0].dispatch("add", i + 1)
        carts[0].dispatch("rename", f"cart {i}")
    if tight_ticks:
        with rt.batch():
            for cart in carts:
                cart.transact(lambda d: d.__setitem__("name", "late"), origin_kind="test", origin_name="low",
                              priority="low", commit_mode="lowPriority")
    writer.close()
    rt.dispose()
    return path
