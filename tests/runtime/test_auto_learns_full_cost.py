"""Auto mode at diagnostics off, for a write too wide for the inline plan cache and too wide for a cheap plan: it
runs every step while full converges are cheap or still warming up (two of them), then plans. What it learns the
cost of a full converge from must be the full converges themselves."""

from __future__ import annotations

import time

from runtime import Module, Runtime, computed

WIDTH = 100
WRITTEN = range(30, WIDTH)  # 70 roots: past the inline cache's 64, past half the steps, under the near-full 90 %


def panel(calls: list[int]) -> Module:
    def slow_first(v):
        time.sleep(0.002)  # a full converge costs at least 2 ms, over the 0.6 ms a fast full may cost
        calls.append(0)
        return v

    def derive(i: int):
        def copy(v):
            calls.append(i)
            return v
        return copy

    fields = [computed(f"c{i}", deps=[f"a{i}"], derive=slow_first if i == 0 else derive(i)) for i in range(WIDTH)]
    initial = {**{f"a{i}": 0 for i in range(WIDTH)}, **{f"c{i}": 0 for i in range(WIDTH)}}

    def bump(draft, n):
        for i in WRITTEN:
            draft[f"a{i}"] = n

    return Module("panel", initial=initial, fields=fields, reducers={"bump": bump})


def test_once_two_full_converges_proved_slow_a_wide_write_runs_only_what_it_dirtied():
    calls: list[int] = []
    inst = Runtime(diagnostics="off").mount(panel(calls))  # the mount's converge: every step, the first sample
    calls.clear()
    inst.dispatch("bump", 1)  # still warming up: every step again, the second sample
    assert sorted(calls) == list(range(WIDTH))
    calls.clear()
    inst.dispatch("bump", 2)
    assert sorted(calls) == list(WRITTEN)
    assert inst.get_state()["c99"] == 2 and inst.get_state()["c0"] == 0
