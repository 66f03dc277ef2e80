"""The live devtools' memory under its retention bound, on the demo's event mix (part of bench/ui.py).

- `retained_bytes_per_event(mix, first, then)`: a live main window (every pane shown, no bound) takes the demo mix
  (bench/demo_mix.py) up to `first` events, then up to `then`; the growth of what the live store holds, as
  tracemalloc sees it allocated by the store and the feed (columns, compressed payload blocks, side records,
  interned strings, the indexes and numpy mirrors the panes asked for), per event added: what each event kept
  costs. The result also gives the whole window's growth per event (panes included), for comparison.
- `bounded_memory(mix, bound, rate, seconds)`: a live main window (every pane shown) whose feed keeps at most
  `bound` events takes the mix at `rate` events/s; once the bound was reached and the first release is behind it
  (its capacity reused from then on), the process's RSS is read, the load goes on for `seconds`, and RSS is read
  again. A bound that holds leaves the ratio near 1; memory kept per event would grow it by the events of that
  minute times their cost (60 s at 3,000 events/s, ~250 B each: +45 MB, a fifth of the RSS).
"""

from __future__ import annotations

import asyncio
import gc
import time
import tracemalloc
from pathlib import Path
from typing import Any

from bench.demo_mix import DemoMix

__all__ = ["retained_bytes_per_event", "bounded_memory", "rss_bytes"]


def rss_bytes() -> int:
    """The process's resident set size now (Linux /proc)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


STORE_FILES = ("*/runtime/trace/*", "*/devtools/model/event_feed.py")
"""Where the live store allocates: its columns, payload blocks, side records, interned strings and indexes, and the
feed's numpy mirrors."""


async def retained_bytes_per_event(mix: DemoMix, first: int, then: int) -> dict[str, Any]:
    """Bytes the live store of a live window (every pane shown, no bound) holds per event, on the demo mix: the
    growth from its `first` events to its `then` events, per event (so fixed costs, like the decoded payloads the
    panes keep for their newest items, are not counted as if each event paid for them)."""
    from devtools.app.contexts import live_context
    from devtools.host import DevtoolsHost, application
    from devtools.state import DEFAULT_SETTINGS
    from runtime import Runtime

    host = DevtoolsHost(application(), settings=dict(DEFAULT_SETTINGS, retainEvents=0, retainMB=0))  # type: ignore
    rt = Runtime(label="demo", diagnostics="full")
    ctx = live_context(rt, host.settings)
    window = host.show_live(rt, ctx)
    window.resize(1440, 900)
    feed = ctx.events
    stream = mix.stream(10**12)
    store_only = [tracemalloc.Filter(True, pattern) for pattern in STORE_FILES]

    async def fill(rows: int) -> tuple[int, tracemalloc.Snapshot]:
        i = 0
        while len(feed.store) < rows:
            kind, payload = next(stream)
            feed.tap(kind, payload)
            i += 1
            if i % 500 == 0:
                await asyncio.sleep(0.002)  # the panes take the rows in, asking the store what they ask live
        await asyncio.sleep(1.0)
        feed.store.settle()
        gc.collect()
        return len(feed.store), tracemalloc.take_snapshot()

    tracemalloc.start()
    rows_a, a = await fill(first)
    rows_b, b = await fill(then)
    tracemalloc.stop()

    def grown(snapshot_filter: list[tracemalloc.Filter] | None) -> int:
        if snapshot_filter is None:
            return sum(stat.size_diff for stat in b.compare_to(a, "filename"))
        return sum(stat.size_diff for stat in b.filter_traces(snapshot_filter).compare_to(
            a.filter_traces(snapshot_filter), "filename"))

    store = feed.store
    per_event = grown(store_only) / (rows_b - rows_a)
    sample = range(0, len(store), 97)
    result = {"name": "live_retained", "events_from": rows_a, "events_to": rows_b,
              "bytes_per_event": round(per_event, 1),
              "window_bytes_per_event": round(grown(None) / (rows_b - rows_a), 1),
              "store_nbytes_per_event": round(store.nbytes() / len(store), 1),
              "payload_json_bytes_per_event": round(sum(len(store.raw(r)) for r in sample) / len(sample), 1),
              "mix_events_per_cycle": mix.events}
    await host.shutdown()
    rt.dispose()
    return result


async def bounded_memory(mix: DemoMix, *, bound: int, rate: int, seconds: float) -> dict[str, Any]:
    from devtools.app.contexts import live_context
    from devtools.host import DevtoolsHost, application
    from devtools.state import DEFAULT_SETTINGS
    from runtime import Runtime

    settings = dict(DEFAULT_SETTINGS, retainEvents=bound, retainMB=0)
    host = DevtoolsHost(application(), settings=settings)  # type: ignore[arg-type]
    rt = Runtime(label="demo", diagnostics="full")
    ctx = live_context(rt, host.settings)
    window = host.show_live(rt, ctx)
    window.resize(1440, 900)
    feed = ctx.events
    keeper = ctx.retention
    assert keeper is not None
    releases: list[float] = []
    release = feed.release_front

    def timed_release(n: int) -> int:
        t = time.perf_counter()
        freed = release(n)
        releases.append((time.perf_counter() - t) * 1000.0)
        return freed

    feed.release_front = timed_release  # type: ignore[method-assign]
    stream = mix.stream(10**12)
    sent = 0

    async def load(until: Any) -> None:
        nonlocal sent
        start, base = time.perf_counter(), sent
        while not until():
            due = base + int((time.perf_counter() - start) * rate)
            burst_end = time.perf_counter() + 0.004
            while sent < due and time.perf_counter() < burst_end:
                kind, payload = next(stream)
                feed.tap(kind, payload)
                sent += 1
            await asyncio.sleep(0.002)

    t0 = time.perf_counter()
    await load(lambda: len(releases) >= 2)  # the bound reached, and a release of reused capacity behind it
    reached_s = time.perf_counter() - t0
    gc.collect()
    await asyncio.sleep(0.5)
    rss_start, sent_start = rss_bytes(), sent
    end = time.perf_counter() + seconds
    await load(lambda: time.perf_counter() >= end)
    gc.collect()
    await asyncio.sleep(0.5)
    rss_end = rss_bytes()
    result = {"name": "live_bounded", "bound_events": bound, "target_events_per_s": rate,
              "bound_reached_s": round(reached_s, 1), "rows_kept": len(feed), "events_let_go": feed.released,
              "releases": len(releases), "release_ms_max": round(max(releases), 1),
              "events_per_s": round((sent - sent_start) / seconds), "seconds": seconds,
              "rss_start_mb": round(rss_start / 2**20, 1), "rss_end_mb": round(rss_end / 2**20, 1),
              "rss_growth_ratio": round(rss_end / rss_start, 4), "status_bar": window.retention_status.label.text()
              if window.retention_status is not None else ""}
    await host.shutdown()
    rt.dispose()
    return result
