"""Dispatch benchmark: the fixed cost of one sparse dispatch, what diagnostics add to it, what the size of the state
adds to it, and what checking its payload type adds.

The floor. A small module (three fields, one computed from two of them) and a large one (the same fields and
computed field among 4000 keys); each dispatch writes one field (a sparse transaction: converge runs the one
computed step downstream of it) and one commit subscriber reads the committed state. Each runs at diagnostics off,
light and full, no loop running (the tick runs as the window ends, as in a script). Beside them, in this file, the
bare baseline of the same work by hand: a copy-on-write update of the same state, the same derive, one listener
call. All eight cases alternate sample by sample (a sample is the time of `BATCH` dispatches, the case order turns
every round), so machine load weighs on all alike; every ratio is the median of the per-round ratios.

Payload checking. Two payload kinds, each through a typed and an untyped reducer of otherwise identical modules,
each on its own runtime, alternating the same way:

- `int`: `set_a(draft, value: int)` against `set_a(draft, value)`;
- `object`: a TypedDict `{field: Literal["a", "b"], value: int}` against the same reducer unannotated.

Checks: dispatch_vs_bare_off (small module, off, against the bare small update) <= 25; light_vs_off <= 1.3 and
full_vs_off <= 2.0 (the larger of the two modules); large_vs_small_off <= 2.0; typed_vs_untyped (the larger of the
two payload kinds) <= 1.5.

    python bench/dispatch.py [--quick] [--json OUT]
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Literal, TypedDict

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import finish, percentile  # noqa: E402
from runtime import Module, Runtime, computed  # noqa: E402

LIMIT = 1.5
BATCH = 200
LIMITS = {"dispatch_vs_bare_off": 25.0, "light_vs_off": 1.3, "full_vs_off": 2.0, "large_vs_small_off": 2.0}
LARGE_KEYS = 4000
LEVELS = ("off", "light", "full")


class Edit(TypedDict):
    field: Literal["a", "b"]
    value: int


def _module(typed: bool, kind: str) -> Module:
    m = Module("small", {"a": 0, "b": 1, "c": "x", "total": 1},
               fields=[computed("total", deps=["a", "b"], derive=lambda a, b: a + b)])
    if kind == "int":
        def set_a(draft: Any, value: Any) -> None:
            draft["a"] = value

        m.reducer("set", payload=int if typed else Any)(set_a)
    else:
        def edit(draft: Any, payload: Any) -> None:
            draft[payload["field"]] = payload["value"]

        m.reducer("set", payload=Edit if typed else Any)(edit)
    return m


class Case:
    """One reducer on its own runtime; `sample()` times BATCH dispatches, each writing a new value."""

    def __init__(self, typed: bool, kind: str) -> None:
        self.rt = Runtime(diagnostics="off")
        self.inst = self.rt.mount(_module(typed, kind))
        self.kind = kind
        self.n = 0
        assert (self.inst.module.payload_type("set") is not None) == typed

    def sample(self) -> float:
        """Microseconds per dispatch over one batch."""
        dispatch, n, kind = self.inst.dispatch, self.n, self.kind
        payloads: list[Any] = ([n + i for i in range(BATCH)] if kind == "int"
                               else [{"field": "a", "value": n + i} for i in range(BATCH)])
        self.n += BATCH
        start = time.perf_counter()
        for payload in payloads:
            dispatch("set", payload)
        return (time.perf_counter() - start) / BATCH * 1e6


# -- the floor: one sparse dispatch, by size and diagnostics level, beside the bare update ---------------------------

def _total(a: int, b: int) -> int:
    return a + b


def _initial(size: str) -> dict[str, Any]:
    state: dict[str, Any] = {"a": 0, "b": 1, "c": "x", "total": 1}
    if size == "large":
        state.update({f"k{i}": i for i in range(LARGE_KEYS - len(state))})
    return state


class FloorCase:
    """One sparse dispatch of the small or large module at one diagnostics level, with one commit subscriber."""

    def __init__(self, size: str, level: str) -> None:
        m = Module(f"floor-{size}", _initial(size), fields=[computed("total", deps=["a", "b"], derive=_total)])

        @m.reducer("set_a")
        def set_a(draft: Any, value: int) -> None:
            draft["a"] = value

        self.rt = Runtime(diagnostics=level)  # type: ignore[arg-type]
        self.inst = self.rt.mount(m)
        self.seen: list[int] = []
        seen = self.seen
        self.inst.subscribe(lambda record, state: seen.append(state["total"]))
        self.n = 0

    def sample(self) -> float:
        """Microseconds per dispatch over one batch."""
        dispatch, n = self.inst.dispatch, self.n
        self.n += BATCH
        self.seen.clear()
        start = time.perf_counter()
        for value in range(n + 1, n + 1 + BATCH):
            dispatch("set_a", value)
        elapsed = time.perf_counter() - start
        assert self.seen[-1] == n + BATCH + 1, "the subscriber missed the derived value"
        if self.rt.sink.on:
            self.rt.hub.clear()  # the ring buffer is bounded anyway; keep every sample's work alike
        return elapsed / BATCH * 1e6


class BareCase:
    """The same work by hand: copy the state, write the field, derive, compare-and-write, call one listener."""

    def __init__(self, size: str) -> None:
        self.state = _initial(size)
        self.seen: list[int] = []
        self.n = 0

    def sample(self) -> float:
        n, seen = self.n, self.seen
        self.n += BATCH
        seen.clear()
        listener = seen.append
        derive = _total
        state = self.state
        start = time.perf_counter()
        for value in range(n + 1, n + 1 + BATCH):
            if state["a"] != value:
                state = state.copy()
                state["a"] = value
                total = derive(state["a"], state["b"])
                if total != state["total"]:
                    state["total"] = total
                listener(state["total"])
        elapsed = time.perf_counter() - start
        self.state = state
        assert seen[-1] == n + BATCH + 1
        return elapsed / BATCH * 1e6


def _median_ratio(top: list[float], bottom: list[float]) -> float:
    return statistics.median(t / b for t, b in zip(top, bottom, strict=True))


def run_floor(quick: bool) -> tuple[list[dict[str, Any]], dict[str, float]]:
    rounds = 20 if quick else 200
    cases: dict[str, FloorCase | BareCase] = {}
    for size in ("small", "large"):
        cases[f"bare_{size}"] = BareCase(size)
        for level in LEVELS:
            cases[f"{size}_{level}"] = FloorCase(size, level)
    for case in cases.values():  # warm-up: plan caches (auto learns the write pattern), first allocations
        for _ in range(3):
            case.sample()
    names = list(cases)
    samples: dict[str, list[float]] = {name: [] for name in names}
    gc.collect()
    for r in range(rounds):
        turn = r % len(names)
        for name in names[turn:] + names[:turn]:
            samples[name].append(cases[name].sample())
    for case in cases.values():
        if isinstance(case, FloorCase):
            case.rt.dispose()
    ratios = {
        "dispatch_vs_bare_off": _median_ratio(samples["small_off"], samples["bare_small"]),
        "light_vs_off": max(_median_ratio(samples[f"{s}_light"], samples[f"{s}_off"]) for s in ("small", "large")),
        "full_vs_off": max(_median_ratio(samples[f"{s}_full"], samples[f"{s}_off"]) for s in ("small", "large")),
        "large_vs_small_off": _median_ratio(samples["large_off"], samples["small_off"]),
    }
    results = [{"name": f"floor_{name}", "rounds": rounds, "dispatches_per_sample": BATCH,
                "us_p50": round(percentile(samples[name], 50), 3), "us_p95": round(percentile(samples[name], 95), 3)}
               for name in names]
    results += [{"name": name, "value": round(value, 4), "quick": quick} for name, value in ratios.items()]
    return results, ratios


# -- payload checking -------------------------------------------------------------------------------------------------

def run(quick: bool) -> dict[str, Any]:
    rounds = 30 if quick else 300
    results, floor = run_floor(quick)
    ratios: dict[str, float] = {}
    for kind in ("int", "object"):
        typed, untyped = Case(True, kind), Case(False, kind)
        for case in (typed, untyped):  # warm-up: plan caches, first allocations
            case.sample()
        samples: dict[bool, list[float]] = {True: [], False: []}
        gc.collect()
        for r in range(rounds):
            order = (typed, untyped) if r % 2 == 0 else (untyped, typed)
            for case in order:
                samples[case is typed].append(case.sample())
        ratio = statistics.median(t / u for t, u in zip(samples[True], samples[False], strict=True))
        ratios[kind] = ratio
        results.append({
            "name": f"sparse_dispatch_{kind}",
            "payload": kind,
            "rounds": rounds,
            "dispatches_per_sample": BATCH,
            "typed_us_p50": round(percentile(samples[True], 50), 3),
            "untyped_us_p50": round(percentile(samples[False], 50), 3),
            "typed_us_p95": round(percentile(samples[True], 95), 3),
            "untyped_us_p95": round(percentile(samples[False], 95), 3),
            "typed_vs_untyped": round(ratio, 4),
        })
        for case in (typed, untyped):
            case.rt.dispose()
    worst = max(ratios.values())
    results.append({"name": "typed_vs_untyped", "value": round(worst, 4), "quick": quick, "diagnostics": "off"})
    checks = [{"name": name, "value": round(value, 4), "limit": LIMITS[name], "ok": value <= LIMITS[name]}
              for name, value in floor.items()]
    checks.append({"name": "typed_vs_untyped", "value": round(worst, 4), "limit": LIMIT, "ok": worst <= LIMIT})
    return {"suite": "dispatch", "results": results, "checks": checks}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer rounds (a smoke run)")
    parser.add_argument("--json", metavar="OUT", help="write the report as JSON")
    args = parser.parse_args(argv)
    report = run(args.quick)
    for result in report["results"]:
        print(result)
    return finish(report, args.json)


if __name__ == "__main__":
    sys.exit(main())
