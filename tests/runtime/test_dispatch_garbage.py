"""A dispatch leaves no reference cycles behind: its transaction, working state and the state versions they hold are
freed as soon as the dispatch returns, not when the cycle collector next runs (which, for a large module, is
memory held and a pause later; with the collector off, a leak)."""

from __future__ import annotations

import gc
from typing import Any

import pytest

from runtime import Module, Runtime, computed


def _module(keys: int) -> Module:
    m = Module("garbage", {f"b{i}": 0 for i in range(keys)},
               fields=[computed(f"d{i}", deps=[f"b{i}"], derive=lambda b: b + 1) for i in range(keys)])

    @m.reducer("write")
    def write(draft: Any, kv: tuple[str, int]) -> None:
        draft[kv[0]] = kv[1]

    return m


@pytest.mark.parametrize("level", ["off", "light", "full"])
@pytest.mark.parametrize("keys", [3, 100])
def test_dispatches_leave_nothing_for_the_cycle_collector(level: str, keys: int) -> None:
    inst = Runtime(diagnostics=level).mount(_module(keys))  # type: ignore[arg-type]
    seen: list[int] = []
    inst.subscribe(lambda record, state: seen.append(state["d0"]))
    for i in range(40):  # warm up: plans, kernels and caches are built once and kept
        inst.dispatch("write", (f"b{i % keys}", i + 1))
    while gc.collect():  # what earlier tests left: a collection that runs finalizers can free more only in the next
        pass
    gc.disable()
    try:
        for i in range(200):
            inst.dispatch("write", ("b0", 1000 + i))
        left = gc.collect()
    finally:
        gc.enable()
    assert seen[-1] == 1200
    assert left == 0, f"{left} objects of the dispatches were only freed by the cycle collector"
