"""Comparing two real recordings: the slowed action is named slower first, degradation is found where it happened,
and `tickscope diff` prints it aligned or as JSON through the real command line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import orjson
import pytest
from diff_traces import record_cart

from devtools.model.trace_diff import diff_profiles, rolling_crossing
from devtools.model.trace_profile import profile_trace

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def pair(tmp_path_factory) -> tuple[Path, Path]:
    where = tmp_path_factory.mktemp("diff")
    return record_cart(where / "a.jsonl"), record_cart(where / "b.jsonl", slow=True, tight_ticks=True)


def tickscope(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "devtools.cli", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)


def test_the_slowed_action_comes_first_marked_slower(pair):
    a, b = (profile_trace(p) for p in pair)
    diff = diff_profiles(a, b)
    top = diff.rows[0]
    assert (top.kind, top.module, top.name, top.verdict) == ("transaction", "cart", "add", "slower")
    assert top.a is not None and top.b is not None and top.a.count == top.b.count == 6
    assert top.ratio is not None and top.ratio > 5 and top.marker.startswith("slower ×")
    rename = next(r for r in diff.rows if (r.kind, r.name) == ("transaction", "rename"))
    # the untouched reducer ranks below (a busy machine may still make it a little slower)
    assert rename.a is not None and rename.a.count == 6 and rename.ratio is not None and rename.ratio < top.ratio
    # the rolling mean crosses at the first slowed transaction in B's order (mount, then add): index 3 at the latest
    assert diff.crossing is not None and "add" in diff.crossing.label and diff.crossing.index <= 3


def test_degradation_is_found_in_the_trace_that_degraded(pair):
    a, b = (profile_trace(p) for p in pair)
    assert a.degradation.tick_seq is None and a.degradation.cut_txn_id is None
    d = b.degradation
    assert d.tick_seq is not None and d.tick_reason == "budget_steps"
    assert d.tick_offset_ms is not None and 0 < d.tick_offset_ms <= b.span_ms
    assert any(p.degraded for p in b.ticks) and not any(p.degraded for p in a.ticks)


def test_a_trace_against_itself_shows_nothing_changed(pair):
    a = profile_trace(pair[0])
    diff = diff_profiles(a, a)
    assert {r.verdict for r in diff.rows} == {"same"} and diff.crossing is None
    assert {r.kind for r in diff.rows} >= {"transaction", "converge", "tick"}


def test_the_rolling_crossing_is_where_b_pulls_ahead():
    a = [1.0] * 10
    b = [1.0] * 5 + [3.0] * 5
    assert rolling_crossing(a, b, window=2) == (5, 1.0, 2.0)
    assert rolling_crossing(a, a, window=2) is None
    assert rolling_crossing([], b) is None


def test_tickscope_diff_prints_aligned_rows_with_the_slower_action_on_top(pair):
    proc = tickscope("diff", *map(str, pair))
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("kind "))
    assert lines[header].split() == ["kind", "module", "name", "A", "n", "A", "p50", "A", "p95", "A", "max",
                                     "B", "n", "B", "p50", "B", "p95", "B", "max", "change"]
    first = lines[header + 2].split()
    assert first[:5] == ["transaction", "cart", "add", "6", first[4]] and first[-2] == "slower"
    assert lines[header].index("change") == lines[header + 2].index("slower")  # the column lines up
    assert any(line.startswith("  B: first degraded tick: tick ") and "budget_steps" in line for line in lines)
    assert "  A: first degraded tick: none; first budget cut: none" in lines


def test_tickscope_diff_json_names_the_slower_action(pair):
    proc = tickscope("diff", *map(str, pair), "--json")
    assert proc.returncode == 0, proc.stderr
    doc = orjson.loads(proc.stdout)
    assert doc["rows"][0]["name"] == "add" and doc["rows"][0]["verdict"] == "slower"
    assert doc["rows"][0]["a"]["count"] == 6 and doc["rows"][0]["b"]["p50"] > doc["rows"][0]["a"]["p50"]
    assert doc["a"]["firstDegradedTick"] is None and doc["b"]["firstDegradedTick"]["reason"] == "budget_steps"


def test_tickscope_diff_says_which_file_is_not_a_trace(pair, tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("hello\n")
    proc = tickscope("diff", str(pair[0]), str(notes))
    assert proc.returncode == 1 and "tickscope diff:" in proc.stderr and "not a tickscope trace" in proc.stderr
    missing = tickscope("diff", str(tmp_path / "gone.jsonl"), str(pair[0]))
    assert missing.returncode == 1 and "gone.jsonl: cannot read" in missing.stderr


def test_held_events_answer_every_table_as_the_file_did_after_the_file_is_gone(pair, tmp_path):
    """`tickscope diff` reads each trace once (TraceTables.hold_events) instead of streaming it for every table."""
    import shutil

    from devtools.model.trace_tables import TABLES, TraceTables

    copy = tmp_path / "held.jsonl"
    shutil.copyfile(pair[1], copy)

    def every_table(tables: TraceTables) -> dict[str, list[dict[str, object]]]:
        return {name: tables.query(f"SELECT * FROM {name} ORDER BY ALL").read_all().to_pylist() for name in TABLES}

    with TraceTables(copy) as tables:
        streamed = every_table(tables)
        tables.hold_events()
        copy.unlink()
        held = every_table(tables)
    assert held == streamed and len(streamed["transactions"]) > 6 and streamed["ticks"]
