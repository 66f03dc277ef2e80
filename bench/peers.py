"""The derive-then-observe workload in tickscope and in its Python peers, each reported as a ratio to tickscope.

2000 derived values; one write per round; an observer must see every derived value the write changed.

- `sparse`: 2000 pairs b_i -> d_i = b_i + 1; each round writes one b_k (rotating), so one derived value changes.
- `fanout`: one source s -> d_i = s + i for 2000 i; each round writes s, so all 2000 change.

Peers, where they fit:
- reaktiv (signals): Signal / Computed, one Effect per derived value as the observer (reaktiv is lazy, so the
  effects are what makes it compute at all).
- psygnal (plain signals, no derivation of its own): the derivation is a slot on the source's signal that stores the
  value and emits the derived value's own signal, which the observer listens to.
- tickscope: a module with computed fields (diagnostics off, converge auto); the observer is a commit subscriber
  reading the changed derived values through the transaction's dirty root ids.

`ratio` = peer p50 / tickscope p50 (above 1: tickscope is faster). All figures come from one run.

Checks (each a ratio, peer over tickscope): sparse_vs_reaktiv >= 1.0 (at least as fast as reaktiv on its best case
while recording a transaction), sparse_vs_psygnal >= 0.5, fanout_vs_psygnal >= 1.5. A check whose peer is not
installed is left out.

    python bench/peers.py [--quick] [--rounds N] [--json OUT]
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import finish, percentile  # noqa: E402
from runtime import ConvergeConfig, Module, Runtime, computed  # noqa: E402

N = 2000
MINIMUMS = {("sparse", "reaktiv"): 1.0, ("sparse", "psygnal"): 0.5, ("fanout", "psygnal"): 1.5}
"""The least ratio (peer p50 / tickscope p50) each checked comparison must reach."""


WARMUP = 50
"""Rounds run before timing: auto's inline cache protection runs full while it learns the write pattern."""


def _time_rounds(write: Callable[[int], None], check: Callable[[int], None], rounds: int) -> list[float]:
    for k in range(WARMUP):
        write(k)
        check(k)
    times = []
    gc.collect()
    gc.disable()
    try:
        for k in range(WARMUP, WARMUP + rounds):
            t0 = time.perf_counter()
            write(k)
            times.append((time.perf_counter() - t0) * 1000.0)
            check(k)
    finally:
        gc.enable()
    return times


# -- tickscope --------------------------------------------------------------------------------------------------------

def tickscope_case(shape: str, rounds: int) -> list[float]:
    seen: list[Any] = []
    if shape == "sparse":
        initial = {f"b{i}": 0 for i in range(N)}
        fields = [computed(f"d{i}", deps=[f"b{i}"], derive=lambda b: b + 1) for i in range(N)]
    else:
        initial = {"s": 0}
        fields = [computed(f"d{i}", deps=["s"], derive=(lambda i: lambda s: s + i)(i)) for i in range(N)]
    m = Module(f"peers-{shape}", initial, fields=fields)

    @m.reducer("write")
    def write_reducer(draft: Any, kv: tuple[str, int]) -> None:
        draft[kv[0]] = kv[1]

    # no run budget: a cold 2000-step converge on a loaded machine may pass 200 ms, and a run cut short is not the
    # work the peers do (the observer would miss its values)
    inst = Runtime(converge=ConvergeConfig(budget_ms=1e9)).mount(m)
    paths = inst.shape.registry.paths

    def observe(record: Any, state: dict[str, Any]) -> None:
        for pid in record.dirty.root_ids:
            key = paths[pid][0]
            if key[0] == "d":
                seen.append(state[key])

    inst.subscribe(observe)
    if shape == "sparse":
        def write(k: int) -> None:
            inst.dispatch("write", (f"b{k % N}", k + 1))
    else:
        def write(k: int) -> None:
            inst.dispatch("write", ("s", k + 1))

    def check(k: int) -> None:
        expected = 1 if shape == "sparse" else N
        assert len(seen) >= expected, "the observer missed derived values"
        seen.clear()

    return _time_rounds(write, check, rounds)


# -- reaktiv ----------------------------------------------------------------------------------------------------------

def reaktiv_case(shape: str, rounds: int) -> list[float] | None:
    try:
        from reaktiv import Computed, Effect, Signal
    except ImportError:
        return None
    seen: list[Any] = []
    effects = []
    if shape == "sparse":
        bases = [Signal(0) for _ in range(N)]
        derived = [Computed((lambda b: lambda: b() + 1)(b)) for b in bases]
    else:
        src = Signal(0)
        derived = [Computed((lambda i: lambda: src() + i)(i)) for i in range(N)]
    for d in derived:
        effects.append(Effect((lambda d: lambda: seen.append(d()))(d)))
    seen.clear()
    if shape == "sparse":
        def write(k: int) -> None:
            bases[k % N].set(k + 1)
    else:
        def write(k: int) -> None:
            src.set(k + 1)

    def check(k: int) -> None:
        assert len(seen) >= (1 if shape == "sparse" else N), "reaktiv observer missed values"
        seen.clear()

    times = _time_rounds(write, check, rounds)
    del effects
    return times


# -- psygnal ----------------------------------------------------------------------------------------------------------

def psygnal_case(shape: str, rounds: int) -> list[float] | None:
    try:
        from psygnal import Signal
    except ImportError:
        return None

    class Value:
        changed = Signal(object)

        def __init__(self, v: Any) -> None:
            self.v = v

        def set(self, v: Any) -> None:
            if v != self.v:
                self.v = v
                self.changed.emit(v)

    seen: list[Any] = []
    if shape == "sparse":
        bases = [Value(0) for _ in range(N)]
        derived = [Value(1) for _ in range(N)]
        for b, d in zip(bases, derived, strict=True):
            b.changed.connect((lambda d: lambda v: d.set(v + 1))(d))
    else:
        src = Value(0)
        derived = [Value(i) for i in range(N)]
        for i, d in enumerate(derived):
            src.changed.connect((lambda d, i: lambda v: d.set(v + i))(d, i))
    for d in derived:
        d.changed.connect(seen.append)
    if shape == "sparse":
        def write(k: int) -> None:
            bases[k % N].set(k + 1)
    else:
        def write(k: int) -> None:
            src.set(k + 1)

    def check(k: int) -> None:
        assert len(seen) >= (1 if shape == "sparse" else N), "psygnal observer missed values"
        seen.clear()

    return _time_rounds(write, check, rounds)


def run(rounds: int) -> dict[str, Any]:
    results: list[dict[str, Any]] = []
    for shape in ("sparse", "fanout"):
        base = percentile(tickscope_case(shape, rounds), 50)
        results.append({"workload": shape, "library": "tickscope", "p50_ms": round(base, 4), "ratio": 1.0})
        for name, case in (("reaktiv", reaktiv_case), ("psygnal", psygnal_case)):
            times = case(shape, rounds)
            if times is None:
                results.append({"workload": shape, "library": name, "skipped": "not installed"})
                continue
            p50 = percentile(times, 50)
            results.append({"workload": shape, "library": name, "p50_ms": round(p50, 4),
                            "ratio": round(p50 / base, 3)})
    checks = []
    for r in results:
        least = MINIMUMS.get((r["workload"], r["library"]))
        if least is not None and "ratio" in r:
            checks.append({"name": f"{r['workload']}_vs_{r['library']}", "value": r["ratio"], "limit": least,
                           "ok": r["ratio"] >= least})
    return {"suite": "peers", "derived": N, "rounds": rounds, "results": results, "checks": checks}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer rounds (a smoke run)")
    parser.add_argument("--rounds", type=int, default=None, help="timed rounds per case (default 300, 60 with --quick)")
    parser.add_argument("--json", metavar="OUT", dest="out")
    args = parser.parse_args()
    report = run(args.rounds or (60 if args.quick else 300))
    for r in report["results"]:
        if "skipped" in r:
            print(f"{r['workload']:7s} {r['library']:10s} skipped: {r['skipped']}")
        else:
            print(f"{r['workload']:7s} {r['library']:10s} p50={r['p50_ms']:9.4f} ms  ratio to tickscope={r['ratio']}")
    return finish(report, args.out)


if __name__ == "__main__":
    sys.exit(main())
