"""Dispatch benchmark: what one sparse dispatch costs, and what checking its payload type adds.

A small module (three fields, one computed from two of them); each dispatch writes one field (a sparse
transaction: converge runs the one computed step downstream of it). Diagnostics off, no loop running (the tick runs
as the window ends, as in a script). Two payload kinds, each through a typed and an untyped reducer of otherwise
identical modules, each on its own runtime:

- `int`: `set_a(draft, value: int)` against `set_a(draft, value)`;
- `object`: a TypedDict `{field: Literal["a", "b"], value: int}` against the same reducer unannotated.

A sample is the time of `BATCH` dispatches; typed and untyped samples of a kind alternate, so machine load weighs
on both alike, and a kind's `typed_vs_untyped` is the median of the per-round ratios (measured in one run).

Checks: typed_vs_untyped (the larger of the two kinds) <= 1.5.

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


def run(quick: bool) -> dict[str, Any]:
    rounds = 30 if quick else 300
    results: list[dict[str, Any]] = []
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
    checks = [{"name": "typed_vs_untyped", "value": round(worst, 4), "limit": LIMIT, "ok": worst <= LIMIT}]
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
