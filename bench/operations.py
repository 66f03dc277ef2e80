"""Async action runs and backend operations against the loopback backend (run in its own process).

Two workloads, measured in one run:

- `allow-concurrent`: N runs of an allow-concurrent action (bound 16), each submitting one operation
  (wait_for accepted); every operation is then observed (SSE + read model) to ready.
  Latencies: trigger -> pending visible (the pending transaction committed), submit -> accepted,
  accepted -> observed (p50 / p95, ms). CPU per operation fact: this process's CPU time over the workload divided
  by the facts the tracker applied (the backend runs in another process, so its CPU is not counted; the HTTP client
  is), and the runtime's own share (time inside the tracker's `apply`: machine, events, continuation transactions).
- `latest-wins burst`: N triggers of a latest-wins action in one synchronous burst: trigger -> pending visible,
  and every superseded run settled (cancelled/override) with its late work dropped.

Check `nothing_pending`: runs and operations still non-terminal once the workloads had their time (must be 0).

    python bench/operations.py [--quick] --json OUT
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import percentile, write_json  # noqa: E402
from runtime import Module, Runtime  # noqa: E402
from runtime.actions import ActionCoordinator, action  # noqa: E402
from runtime.operations import Budget, OperationTracker, Stage  # noqa: E402
from runtime.operations.http import HttpTransport  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BUDGET = Budget(accept=20.0, committed=40.0, observed=60.0, ready=60.0)


def _stats(name: str, values: list[float], unit: str = "ms") -> dict[str, Any]:
    return {"name": name, "n": len(values), "p50": round(percentile(values, 50), 4),
            "p95": round(percentile(values, 95), 4), "max": round(max(values), 4), "unit": unit}


def start_backend() -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen([sys.executable, "-c", "from devtools.cli import main; main()", "backend", "--port", "0"],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = proc.stdout.readline() if proc.stdout else ""
    if "listening on" not in line:
        proc.kill()
        raise RuntimeError(f"the backend did not start: {line}{proc.stderr.read() if proc.stderr else ''}")
    return proc, line.split()[4]


async def allow_concurrent(url: str, n: int) -> tuple[list[dict[str, Any]], dict[str, int]]:
    rt = Runtime(label="bench", diagnostics="off")
    tracker = OperationTracker(rt, HttpTransport(url, max_connections=256), budget=BUDGET)
    inst = rt.mount(Module("bench", initial={"runs": {}, "operations": {}}))
    actions = ActionCoordinator(inst, operations=tracker)
    perf = time.perf_counter
    pending_seen: dict[str, float] = {}
    triggered: dict[str, float] = {}
    submitted: dict[str, float] = {}
    accepted: dict[str, float] = {}
    observed: dict[str, float] = {}

    def on_commit(record: Any, state: Any) -> None:
        if record.link_id is not None and record.link_id not in pending_seen:
            pending_seen[record.link_id] = perf()

    def on_event(event: Any, state: Any) -> None:
        if event.type == "accepted":
            accepted[event.command_id] = perf()
        elif event.type == "stage_reached" and event.stage is Stage.OBSERVED:
            observed[event.command_id] = perf()

    inst.subscribe(on_commit)
    tracker.subscribe(on_event)
    in_apply = [0.0]
    apply = tracker.apply

    cpu = time.thread_time  # CPU of this thread: a shared machine's preemptions do not count

    def timed_apply(fact: Any) -> Any:  # the runtime's own share: the stage machine and the state it writes
        t = cpu()
        try:
            return apply(fact)
        finally:
            in_apply[0] += cpu() - t

    tracker.apply = timed_apply  # type: ignore[method-assign]

    async def write(ctx: Any, i: int) -> str:
        submitted[ctx.link_id] = perf()
        receipt = await ctx.submit("bench.op", f"t{i % 97}", {"delta": 1})
        return receipt.command_id

    defn = action("write", write, concurrency="allow-concurrent")
    # Warm-up (not measured): the client session, its SSL context and the first connections are set up once.
    await asyncio.gather(*(tracker.submit("bench.warmup", f"w{i}", {}, wait_for=Stage.READY) for i in range(16)))
    accepted.clear()
    observed.clear()
    cpu0 = time.process_time()
    facts0 = tracker.fact_count
    in_apply[0] = 0.0
    handles = []
    for i in range(n):
        t0 = perf()
        handle = actions.trigger(defn, i)
        triggered[handle.link_id] = t0
        handles.append(handle)
        if i % 16 == 15:
            await asyncio.sleep(0)  # let runs start as they would from a UI, not one giant synchronous block
    for h in handles:
        await h.settled()
    deadline = time.monotonic() + BUDGET.ready
    while tracker.pending() and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
    cpu_s = time.process_time() - cpu0
    facts = tracker.fact_count - facts0
    left = {"runs": len(actions.pending()), "operations": len(tracker.pending())}
    ops = [o for o in tracker.operations() if o.kind == "bench.op"]
    by_link = {o.link_id: o.command_id for o in ops}
    submit_to_accept = [(accepted[by_link[link]] - t) * 1000 for link, t in submitted.items()
                        if link in by_link and by_link[link] in accepted]
    accept_to_observe = [(observed[c] - accepted[c]) * 1000 for c in observed if c in accepted]
    results = [
        _stats("allow_concurrent.trigger_to_pending", [(pending_seen[k] - t) * 1000 for k, t in triggered.items()]),
        _stats("allow_concurrent.submit_to_accepted", submit_to_accept),
        _stats("allow_concurrent.accepted_to_observed", accept_to_observe),
        {"name": "allow_concurrent.runs", "value": len(handles),
         "success": sum(1 for h in handles if h.run.status == "success")},
        {"name": "allow_concurrent.operations", "value": len(ops),
         "ready": sum(1 for o in ops if o.stage is Stage.READY),
         "timed_out": sum(1 for o in ops if o.stage is Stage.TIMED_OUT)},
        {"name": "allow_concurrent.cpu_per_fact", "value": round(cpu_s / max(1, facts) * 1e6, 2), "unit": "us",
         "facts": facts, "cpu_s": round(cpu_s, 4), "scope": "this process: runtime + HTTP client"},
        {"name": "allow_concurrent.apply_per_fact", "value": round(in_apply[0] / max(1, facts) * 1e6, 2),
         "unit": "us", "scope": "runtime only: stage machine, events, continuation transactions"},
    ]
    await actions.aclose()
    await tracker.aclose()
    rt.dispose()
    return results, left


async def latest_wins_burst(url: str, n: int) -> tuple[list[dict[str, Any]], dict[str, int]]:
    rt = Runtime(label="burst", diagnostics="off")
    tracker = OperationTracker(rt, HttpTransport(url), budget=BUDGET)
    inst = rt.mount(Module("search", initial={"runs": {}, "operations": {}, "result": None}))
    actions = ActionCoordinator(inst, operations=tracker)
    perf = time.perf_counter
    pending_seen: dict[str, float] = {}

    def on_commit(record: Any, state: Any) -> None:
        if record.link_id is not None and record.link_id not in pending_seen:
            pending_seen[record.link_id] = perf()

    inst.subscribe(on_commit)

    async def search(ctx: Any, q: int) -> str:
        receipt = await ctx.submit("bench.search", "q", {"delta": 1})
        return receipt.command_id

    defn = action("search", search, on_success=lambda d, r: d.__setitem__("result", r))
    triggered: dict[str, float] = {}
    handles = []
    for i in range(n):
        t0 = perf()
        handle = actions.trigger(defn, i)
        triggered[handle.link_id] = t0
        handles.append(handle)
    for h in handles:
        await h.settled()
    deadline = time.monotonic() + BUDGET.ready
    while tracker.pending() and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
    left = {"runs": len(actions.pending()), "operations": len(tracker.pending())}
    results = [
        _stats("latest_wins.trigger_to_pending", [(pending_seen[k] - t) * 1000 for k, t in triggered.items()]),
        {"name": "latest_wins.runs", "value": len(handles),
         "cancelled_override": sum(1 for h in handles if h.run.cancel_reason == "override"),
         "success": sum(1 for h in handles if h.run.status == "success"),
         "operations": len(tracker.operations())},
    ]
    await actions.aclose()
    await tracker.aclose()
    rt.dispose()
    return results, left


async def run_all(url: str, n: int) -> dict[str, Any]:
    results, left_a = await allow_concurrent(url, n)
    burst, left_b = await latest_wins_burst(url, n)
    results += burst
    left = left_a["runs"] + left_a["operations"] + left_b["runs"] + left_b["operations"]
    checks = [{"name": "nothing_pending", "value": left, "limit": 0, "ok": left == 0,
               "detail": {"allow_concurrent": left_a, "latest_wins": left_b}}]
    return {"suite": "operations", "n": n, "results": results, "checks": checks}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="250 operations and triggers instead of 1,000")
    parser.add_argument("--json", dest="out", help="write the results here")
    args = parser.parse_args()
    proc, url = start_backend()
    try:
        report = asyncio.run(run_all(url, 250 if args.quick else 1000))
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    report["quick"] = args.quick
    for r in report["results"]:
        print(" ".join(f"{k}={v}" for k, v in r.items()))
    for c in report["checks"]:
        print(f"check {c['name']}: {c['value']} (limit {c['limit']}) {'ok' if c['ok'] else 'FAILS'}")
    if args.out:
        write_json(args.out, report)
    return 0 if all(c["ok"] for c in report["checks"]) else 1


if __name__ == "__main__":
    sys.exit(main())
