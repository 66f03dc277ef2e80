"""The reference's converge workload: dispatch-to-commit time per transaction, full vs dirty vs auto.

State holds pairs b_i, d_i with d_i = computed(deps=[b_i], b_i + 1); the action bump(n) writes b_0 .. b_{n-1},
n = ceil(steps * ratio). Diagnostics off. The time is dispatch -> commit (taken by a commit listener), so the tick
that publishes the commit afterwards is not part of it. The three modes of a cell run on their own runtimes, one
transaction each in turn (the order rotating every round), so whatever the machine does meanwhile weighs on them
alike: on a loaded two-core machine whose speed swings within 100 ms, turns of ten transactions let one phase fall on
one mode only, and the p50 ratio of two modes doing the same work moved by +-15 % between runs.

A fourth turn in every cell, `bare`, does by hand what a transaction does, with no runtime: the same input writes on
a copy of the state, then the same derive calls with compare-and-write (the runtime's equality: identical, or the
same type and equal). It is the physical limit the runtime is held to.

- auto_vs_full: in every cell, the median over rounds of auto / full (the two transactions of one round) <= 1.05;
- sparse_speedup: at 2000 steps and ratio 0.005, full p50 / auto p50 >= 10;
- decision_budget: auto decision p95 <= 0.5 ms in every cell;
- full_vs_bare: at 2000 steps, every input written (ratio 1.0), full p50 / bare p50 <= 2.0.

    python bench/converge.py [--quick] --json OUT
"""

from __future__ import annotations

import argparse
import gc
import math
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import finish, percentile  # noqa: E402
from runtime import ConvergeConfig, Module, Runtime, computed  # noqa: E402
from runtime.converge.kernel_cache import PART_STEPS  # noqa: E402

STEPS = (200, 800, 2000)
RATIOS = (0.005, 0.05, 0.25, 0.75, 1.0)
MODES = ("full", "dirty", "auto")


def _plus_one(value: int) -> int:
    return value + 1


def build_module(steps: int) -> Module:
    initial: dict[str, Any] = {}
    for i in range(steps):
        initial[f"b_{i}"] = 0
        initial[f"d_{i}"] = 1
    fields = [computed(f"d_{i}", deps=[f"b_{i}"], derive=_plus_one) for i in range(steps)]
    keys = [f"b_{i}" for i in range(steps)]

    def bump(draft: Any, n: int) -> None:
        for key in keys[:n]:
            draft[key] = draft[key] + 1

    return Module(f"converge{steps}", initial, reducers={"bump": bump}, fields=fields)


class Cell:
    """One mode of one cell: its own runtime, the time of its last commit, and the samples taken."""

    def __init__(self, module: Module, mode: str) -> None:
        self.mode = mode
        self.rt = Runtime(diagnostics="off", converge=ConvergeConfig(mode=mode))
        self.inst = self.rt.mount(module)
        self.committed_at = 0.0
        # The clock stops when the transaction commits (commit listeners run then); publishing the commit to topic
        # subscribers in a tick comes after and is bench/tick.py's subject.
        self.rt.add_commit_listener(self._on_commit)
        self.times: list[float] = []
        self.decisions: list[float] = []
        self.executed: dict[str, int] = {}

    def _on_commit(self, _inst: Any, _record: Any, _state: Any) -> None:
        self.committed_at = time.perf_counter()

    def step(self, n: int, keep: bool) -> None:
        t0 = time.perf_counter()
        record = self.inst.dispatch("bump", n)
        if record is None:
            raise RuntimeError(f"bump({n}) did not commit")
        if keep:
            # Diagnostics are off, so the record carries no decision; the planner keeps its last figures.
            planner = self.inst.planner
            self.times.append((self.committed_at - t0) * 1000.0)
            self.decisions.append(planner.last_decision_ms)
            mode = "full" if planner.last_ran_all else "dirty"
            self.executed[mode] = self.executed.get(mode, 0) + 1


class BareCell:
    """The transaction's work done by hand: copy the state, write the inputs, derive and compare-and-write."""

    mode = "bare"

    def __init__(self, module: Module) -> None:
        self.state = dict(module.initial)
        self.pairs = [(f"b_{i}", f"d_{i}") for i in range(len(self.state) // 2)]
        self.times: list[float] = []

    def step(self, n: int, keep: bool) -> None:
        t0 = time.perf_counter()
        state = dict(self.state)
        pairs = self.pairs
        for key, _ in pairs[:n]:
            state[key] = state[key] + 1
        for key, out in pairs:
            value = _plus_one(state[key])
            old = state[out]
            if not (old is value or (type(old) is type(value) and old == value)):
                state[out] = value
        self.state = state
        if keep:
            self.times.append((time.perf_counter() - t0) * 1000.0)


def measure(module: Module, steps: int, ratio: float, runs: int, warmup: int) -> list[dict[str, Any]]:
    """The three modes of one cell, one transaction each in turn, the first of a round rotating (so no mode always
    follows the same other one), so that whatever the machine does meanwhile weighs on all three alike and their
    ratio is a fair one."""
    cells: list[Cell | BareCell] = [Cell(module, mode) for mode in MODES]
    cells.append(BareCell(module))
    n = max(1, math.ceil(steps * ratio))
    # Steady state: a plan is assembled one part of PART_STEPS steps per run from its second run, and compiling a
    # part costs tens of ms; the warm-up covers that, so no measured transaction includes a compile.
    warmup = max(warmup, math.ceil(steps / PART_STEPS) + 2)
    for cell in cells:
        for _ in range(warmup):
            cell.step(n, keep=False)
    gc.collect()
    gc.disable()
    try:
        for turn in range(runs):
            first = turn % len(cells)
            for cell in cells[first:] + cells[:first]:
                cell.step(n, keep=True)
    finally:
        gc.enable()
    rows = []
    for cell in cells:
        row: dict[str, Any] = {
            "steps": steps,
            "ratio": ratio,
            "mode": cell.mode,
            "dirty_roots": n,
            "p50_ms": round(percentile(cell.times, 50), 4),
            "p95_ms": round(percentile(cell.times, 95), 4),
        }
        if isinstance(cell, Cell):
            row["executed"] = cell.executed
            if cell.mode == "auto":
                row["decision_p95_ms"] = round(percentile(cell.decisions, 95), 4)
                full = next(c for c in cells if c.mode == "full")
                # the same round's two transactions side by side: a slow moment of the machine weighs on both
                row["vs_full_paired"] = round(statistics.median(a / f for a, f in zip(cell.times, full.times,
                                                                                     strict=True)), 4)
            cell.rt.dispose()
        rows.append(row)
    return rows


def run(quick: bool) -> dict[str, Any]:
    runs, warmup = (20, 4) if quick else (60, 8)
    results = []
    for steps in STEPS:
        module = build_module(steps)
        for ratio in RATIOS:
            for row in measure(module, steps, ratio, runs, warmup):
                results.append(row)
                print(f"steps={steps:5d} ratio={ratio:<6} {row['mode']:5s} p50={row['p50_ms']:8.3f} ms "
                      f"p95={row['p95_ms']:8.3f} ms {row.get('decision_p95_ms', '')}", flush=True)
    return {"suite": "converge", "quick": quick, "results": results, "checks": checks(results)}


def checks(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    cell = {(r["steps"], r["ratio"], r["mode"]): r for r in results}
    worst_ratio = max(cell[(s, q, "auto")]["vs_full_paired"] for s in STEPS for q in RATIOS)
    speedup = cell[(2000, 0.005, "full")]["p50_ms"] / cell[(2000, 0.005, "auto")]["p50_ms"]
    decision = max(r["decision_p95_ms"] for r in results if r["mode"] == "auto")
    vs_bare = cell[(2000, 1.0, "full")]["p50_ms"] / cell[(2000, 1.0, "bare")]["p50_ms"]
    return [
        {"name": "auto_vs_full", "value": round(worst_ratio, 3), "limit": 1.05, "ok": worst_ratio <= 1.05},
        {"name": "sparse_speedup", "value": round(speedup, 2), "limit": 10, "ok": speedup >= 10},
        {"name": "decision_budget", "value": round(decision, 4), "limit": 0.5, "ok": decision <= 0.5},
        {"name": "full_vs_bare", "value": round(vs_bare, 2), "limit": 2.0, "ok": vs_bare <= 2.0},
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="every cell, fewer runs")
    parser.add_argument("--json", dest="out", help="write the results here")
    args = parser.parse_args()
    return finish(run(args.quick), args.out)


if __name__ == "__main__":
    sys.exit(main())
