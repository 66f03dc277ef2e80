"""The timeline's work-surface models without Qt: counters, area aggregates, flows, emphasis, lane layout and the
trace's sidecar, on a small session written at chosen times (timeline_scenario)."""

from __future__ import annotations

import numpy as np
import pytest
from timeline_scenario import scenario

from devtools.model.area_stats import KindStats, area_stats
from devtools.model.counters import COUNTER_NAMES, CounterTracks
from devtools.model.emphasis import row_match, span_mask
from devtools.model.flows import flows_of
from devtools.model.lane_layout import LaneLayout
from devtools.model.sidecar import (Bookmark, SidecarError, bookmarks_from_json, read_sidecar, sidecar_path,
                                    write_sidecar)


def test_counters_follow_runs_operations_ticks_and_the_event_rate():
    store, model, _ = scenario()
    counters = CounterTracks()
    # 12 bins of 5 ms over 0..60 ms: the run is open 0..50 ms, the operation 30..40 ms, the first tick reports a
    # backlog of 3 at 12 ms, the second 1 at 25 ms; nothing is shown after the last event (50 ms)
    series = {s.name: s for s in counters.series(store, model, 0.0, 0.06, 12, len(store))}
    assert list(series) == list(COUNTER_NAMES)
    assert series["pending runs"].ys[:11].tolist() == [1.0] * 10 + [0.0]
    assert series["pending operations"].ys[:11].tolist() == [0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0]
    assert series["tick backlog"].ys[:11].tolist() == [0, 0, 3, 3, 3, 1, 1, 1, 1, 1, 1]
    # events per 5 ms bin over the bin's width: two events (trigger, pending) in the first bin are 400/s
    assert series["events/s"].ys[:3].tolist() == [400.0, 0.0, 600.0]
    assert all(np.isnan(s.ys[11]) for s in series.values())
    assert series["events/s"].peak == 600.0
    # a replay cursor before the operation: the counters stop there
    cut = counters.series(store, model, 0.0, 0.06, 12, 6)
    assert np.isnan(cut[2].ys[5]) and cut[2].ys[4] == 0.0
    with pytest.raises(ValueError, match="bins > 0"):
        counters.series(store, model, 0.0, 0.06, 0, len(store))


def test_area_aggregates_count_what_overlaps_and_take_percentiles_of_durations():
    _, model, _ = scenario()
    # 9..21.5 ms: the first tick (11..12 ms), both transactions (their ends at 10 and 21 ms), the run (0..50 ms)
    assert area_stats(model.lanes, 0.009, 0.0215) == [
        KindStats("ticks", 1, pytest.approx(1.0), pytest.approx(1.0)),
        KindStats("transactions", 2, 0.0, 0.0),
        KindStats("action runs", 1, pytest.approx(50.0), pytest.approx(50.0))]
    both_ticks = area_stats([model.lane("app/ticks")], 0.0215, 0.009)  # dragged right to left: the same area
    assert both_ticks == [KindStats("ticks", 1, pytest.approx(1.0), pytest.approx(1.0))]
    ticks = area_stats([model.lane("app/ticks")], 0.0, 0.03)[0]
    assert ticks.count == 2 and ticks.p50_ms == pytest.approx(2.0) and ticks.p95_ms == pytest.approx(2.9)
    assert area_stats(model.lanes, 0.06, 0.07) == []


def test_flows_lead_from_a_run_and_from_an_action_to_their_transactions_and_ticks():
    store, model, rows = scenario()
    run = [(f.kind, f.src_lane, f.dst_lane, round(f.src_x, 6), round(f.dst_x, 6))
           for f in flows_of(rows["trigger"], store, model)]
    assert run == [("run->txn", "shop#1/runs", "shop#1/txn", 0.0, 0.01),
                   ("txn->tick", "shop#1/txn", "app/ticks", 0.01, 0.011)]
    assert flows_of(rows["run_txn"], store, model) == flows_of(rows["trigger"], store, model)
    action = [(f.kind, f.dst_lane, round(f.src_x, 6), round(f.dst_x, 6))
              for f in flows_of(rows["action"], store, model)]
    assert action == [("action->txn", "shop#1/txn", 0.02, 0.021), ("txn->tick", "app/ticks", 0.021, 0.022)]
    assert flows_of(rows["add_txn"], store, model) == flows_of(rows["action"], store, model)
    assert flows_of(len(store) + 5, store, model) == []


def test_emphasis_masks_name_the_spans_holding_the_rows():
    store, model, rows = scenario()
    match = row_match(store, np.asarray([rows["action"], rows["submitted"]]))
    origin = model.origin_ms
    txn = model.lane("shop#1/txn")
    assert span_mask(txn, txn.subrows[0].arrays(), match, store, origin).tolist() == [False, True]
    ops = model.lane("shop#1/ops")
    assert span_mask(ops, ops.subrows[0].arrays(), match, store, origin).tolist() == [True, True]  # both c1
    ticks = model.lane("app/ticks")
    assert not span_mask(ticks, ticks.subrows[0].arrays(), match, store, origin).any()
    settled_tick = row_match(store, np.asarray([rows["add_txn"] + 2]))  # the second tick's settled event
    assert span_mask(ticks, ticks.subrows[0].arrays(), settled_tick, store, origin).tolist() == [False, True]


def test_lane_layout_pins_hides_and_collapses_and_round_trips():
    _, model, _ = scenario()
    layout = LaneLayout()
    layout.pin("shop#1/ops")
    layout.hide("shop#1/runs")
    layout.collapse("app/ticks")
    shown = layout.arrange(model.lanes)
    assert [lane.key for lane in shown] == ["shop#1/ops", "app/ticks", "shop#1/txn"]
    assert layout.weights(shown) == [1.0, 0.35, 1.0]
    again = LaneLayout()
    again.load_json(layout.to_json())
    assert [lane.key for lane in again.arrange(model.lanes)] == ["shop#1/ops", "app/ticks", "shop#1/txn"]
    with pytest.raises(ValueError, match="lanes.hidden: expected a list of lane keys"):
        again.load_json({"hidden": "shop#1/txn"})
    assert again.hidden == ["shop#1/runs"]  # nothing half-applied


def test_the_sidecar_keeps_parts_apart_and_names_what_is_malformed(tmp_path):
    trace = tmp_path / "t.jsonl"
    assert sidecar_path(trace) == tmp_path / "t.jsonl.tickscope.json"
    assert read_sidecar(trace) == {}
    write_sidecar(trace, {"bookmarks": [Bookmark("slow", 12.5).to_json()]})
    write_sidecar(trace, {"lanes": {"hidden": ["a/txn"]}})
    data = read_sidecar(trace)
    assert bookmarks_from_json(data["bookmarks"]) == [Bookmark("slow", 12.5)]
    assert data["lanes"] == {"hidden": ["a/txn"]}
    with pytest.raises(SidecarError, match=r"bookmarks\[0\]: expected"):
        bookmarks_from_json([{"name": 3}])
    sidecar_path(trace).write_text("{not json")
    with pytest.raises(SidecarError, match="cannot read .*t.jsonl.tickscope.json"):
        read_sidecar(trace)
