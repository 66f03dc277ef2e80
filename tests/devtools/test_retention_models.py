"""The pure side of letting rows go: the feed's numpy columns and counts, the timeline model, the bound's arithmetic."""

from __future__ import annotations

import numpy as np
import pytest
from devtools_support import shop_module
from timeline_events import op_event, run_events

from devtools.model.event_feed import COLUMN_DTYPES, EventFeed
from devtools.model.retention import Release, RetentionBound, describe_release
from devtools.model.timeline_model import TimelineModel
from runtime import Runtime


def _busy(rt, inst, count: int, start: int = 0) -> None:
    for i in range(start, start + count):
        inst.dispatch("add", i)
        if i % 10 == 0:
            t0 = rt.sink.clock.now_ms()
            run_events(rt, "shop#1", f"shop#1::o{i}", t0=t0, status="success", duration=1.0)
            last = (0.9, "ready", "ready") if i % 20 else (0.9, "accepted", "accepted")  # every other one waits
            for ts, phase, stage in ((0.5, "submitted", "submitted"), last):
                op_event(rt, "shop#1", f"cmd-{i}", ts=t0 + ts, phase=phase, stage=stage, link=f"shop#1::o{i}")


def _synced(model: TimelineModel, feed: EventFeed) -> TimelineModel:
    while model.sync(feed.store, budget_s=1.0):
        pass
    return model


@pytest.fixture
def busy_feed():
    rt = Runtime(label="app", diagnostics="full")
    feed = EventFeed()
    rt.hub.tap(feed.tap)
    inst = rt.mount(shop_module())
    _busy(rt, inst, 120)
    yield rt, inst, feed
    rt.dispose()


def test_numpy_columns_and_counts_follow_a_release(busy_feed):
    rt, inst, feed = busy_feed
    for name in COLUMN_DTYPES:
        feed.column(name)  # mirrored before the release, as panes have them
    feed.instance_counts()
    heard: list[int] = []
    feed.on_release(heard.append)
    freed = feed.release_front(150)
    _busy(rt, inst, 5, start=500)
    store = feed.store
    assert heard == [150] and freed > 0 and feed.released == 150
    for name, dtype in COLUMN_DTYPES.items():
        assert np.array_equal(feed.column(name), np.asarray(getattr(store, name), dtype)), name
    expected: dict[str, int] = {}
    for r in range(len(store)):
        expected[store.instance_of(r)] = expected.get(store.instance_of(r), 0) + 1
    assert feed.instance_counts() == expected


def test_a_timeline_model_that_let_rows_go_draws_what_a_fresh_one_draws(busy_feed):
    rt, inst, feed = busy_feed
    model = _synced(TimelineModel(), feed)
    feed.on_release(model.release)
    feed.release_front(len(feed) // 2)
    _busy(rt, inst, 30, start=500)
    _synced(model, feed)
    fresh = _synced(TimelineModel(), feed)  # one that only ever saw the rows kept

    def txn_spans(m: TimelineModel) -> dict[str, list[tuple[int, float]]]:
        out = {}
        for lane in m.lanes:
            if lane.kind == "txn":
                a = lane.subrows[0].arrays()
                out[lane.key] = [(int(r), round(m.origin_ms + e * 1000.0, 3)) for r, e in zip(a.refs, a.ends,
                                                                                                 strict=True)]
        return out

    assert txn_spans(model) == txn_spans(fresh)
    assert model.rows_seen == fresh.rows_seen == len(feed)
    # runs and operations with an event kept are known to both, alike; the old model also keeps those still waiting
    for link, run in fresh.runs.runs.items():
        assert model.runs.runs[link].status == run.status
        assert [r for r in model.runs.runs[link].rows if r >= 0] == run.rows
    assert set(model.runs.runs) == set(fresh.runs.runs)  # every run here settles: none is kept without an event
    waiting = {cid for cid, op in model.operations.ops.items() if not op.terminal}
    assert set(model.operations.ops) == set(fresh.operations.ops) | waiting
    assert any(op.facts[0].row < 0 for op in model.operations.ops.values())  # a waiting one whose facts went
    for lane in model.lanes:
        if lane.kind in ("runs", "ops"):  # each span still names an item the model knows
            known = model.runs.runs if lane.kind == "runs" else model.operations.ops
            for sub in lane.subrows:
                assert all(lane.refs[int(ref)] in known for ref in sub.refs())


def test_the_bound_lets_a_tenth_go_at_a_time():
    bound = RetentionBound.from_settings(retain_events=1000, retain_mb=1)
    assert bound.excess(1000, 10) == 0
    assert bound.excess(1001, 10) == 101  # back to 900, not to 1000: the next release is 100 rows away
    assert bound.excess(500, 2 * 2**20) == 275  # 2 MB in 500 rows: keep 0.9 MB of them
    assert RetentionBound.from_settings(0, 0).excess(10**9, 10**12) == 0  # no bound
    assert describe_release(Release(120_000, 38 * 2**20, "/tmp/a.spill.jsonl")) == \
        "spilled 120,000 oldest events (38 MB) to /tmp/a.spill.jsonl"
    assert describe_release(Release(1, 700)) == "let go 1 oldest event (1 KB)"
