"""Replay of recorded traces: exact states at full level, honest marks at light level, stepping, pacing."""

from __future__ import annotations

import asyncio
import copy

import pytest
from trace_samples import sample_module

from runtime import Module, Runtime
from runtime.trace import TraceWriter
from runtime.trace import Replay, ReplayPlayer, load_trace, untag


def _record_with_truth(path, level, steps=12):
    """Record a run and keep what the runtime itself committed: {(instance, txnSeq): state}."""
    rt = Runtime(label="sample", diagnostics=level)
    truth: dict[tuple[str, int], dict] = {}
    rt.add_commit_listener(lambda inst, rec, state: truth.__setitem__((inst.instance_id, rec.txn_seq),
                                                                        copy.deepcopy(state)))
    with TraceWriter(path, label="sample") as writer:
        writer.attach(rt.hub, runtime=rt)
        a = rt.mount(sample_module())
        b = rt.mount(sample_module(), "form#b")
        for i in range(steps):
            a.dispatch("add_item", i)
            a.dispatch("set_first", f"n{i}")
            b.dispatch("set_email", f"u{i}@x")
    return truth


def test_full_level_rebuilds_every_committed_state_exactly(tmp_path):
    truth = _record_with_truth(tmp_path / "t.jsonl", "full")
    store = load_trace(tmp_path / "t.jsonl")
    replay = Replay(store)
    assert replay.capability() == "exact"
    checked = 0
    for row in store.index.state_rows():
        iid, txn = store.instance_of(row), store.txn[row]
        got = replay.state_at(iid, row)
        assert got.exact and got.source == "snapshot" and got.txn_seq == txn
        assert untag(got.state) == truth[(iid, txn)]
        checked += 1
    assert checked == len(truth)
    first = replay.state_at("form#b", 0)  # before form#b was mounted
    assert first.status == "unknown" and first.state is None


def test_light_level_says_when_a_state_was_cut(tmp_path):
    big = Module("big", initial={"blob": [], "n": 0})

    @big.reducer("grow")
    def grow(draft, n):
        draft["blob"].extend(range(n))
        draft["n"] += 1

    rt = Runtime(diagnostics="light")
    with TraceWriter(tmp_path / "light.jsonl") as writer:
        writer.attach(rt.hub, runtime=rt)
        inst = rt.mount(big)
        inst.dispatch("grow", 3)
        inst.dispatch("grow", 5000)
    store = load_trace(tmp_path / "light.jsonl")
    replay = Replay(store)
    assert replay.capability() == "projected"
    small_row, big_row = store.index.state_rows()
    small = replay.state_at("big#1", small_row)
    assert small.exact and small.state == {"blob": [0, 1, 2], "n": 1}
    cut = replay.state_at("big#1", big_row)
    assert cut.status == "cut" and "4 KB" in cut.reason and "full" in cut.reason
    assert replay.state_at("big#1", big_row - 1).txn_seq == 1  # before the cut commit the small state holds


def test_stepping_by_event_transaction_and_tick(light_trace):
    store = load_trace(light_trace)
    replay = Replay(store)
    states = store.index.state_rows().tolist()
    assert replay.step(1, "txn") == states[0]
    assert replay.step(2, "txn") == states[2]
    assert replay.step(-1, "txn") == states[1]
    assert replay.step(1, "event") == states[1] + 1
    b_rows = [r for r in states if store.instance_of(r) == "form#b"]
    replay.seek(-1)
    assert replay.step(1, "txn", instance_id="form#b") == b_rows[0]
    assert replay.step(1, "txn", instance_id="form#b") == b_rows[1]
    assert replay.seek(10**9) == len(store) - 1
    assert replay.step(5, "txn") == len(store) - 1 or replay.cursor == states[-1]
    assert replay.seek(-50) == -1
    ticks = store.index.ticks()
    assert replay.step(1, "tick") == ticks[0].end_row
    assert replay.step(2, "tick") == ticks[2].end_row
    assert replay.step(-1, "tick") == ticks[1].end_row
    assert store.index.tick_of(states[0]) == ticks[0].tick_seq  # the mount commit was published by tick 1
    with pytest.raises(ValueError, match="unit must be"):
        replay.step(1, "year")
    replay.seek_time(store.ts[7])
    assert replay.cursor == 7


def test_same_file_same_states(full_trace):
    one, two = Replay(load_trace(full_trace)), Replay(load_trace(full_trace))
    for row in range(-1, len(one.store), 7):
        assert one.states_at(row) == two.states_at(row)


@pytest.mark.asyncio
async def test_player_reaches_the_end_in_order_and_pauses(full_trace):
    store = load_trace(full_trace)
    replay = Replay(store)
    seen: list[int] = []
    player = ReplayPlayer(replay, seen.append, speed=50.0)
    await asyncio.wait_for(player.play(), timeout=30)
    assert seen and seen == sorted(seen) and seen[-1] == len(store) - 1
    assert replay.cursor == len(store) - 1
    replay.seek(0)
    slow = ReplayPlayer(replay, seen.append, speed=0.001, skip_idle_ms=10**9)
    task = slow.play()
    await asyncio.sleep(0)  # the player's task starts and waits for its next row (hours away at this speed)
    assert slow.playing and not task.done()
    slow.pause()
    await asyncio.sleep(0)
    assert task.cancelled() and not slow.playing  # stopped by the pause, not run to its end
    assert replay.cursor < len(store) - 1
