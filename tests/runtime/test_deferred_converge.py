"""A commit's converge decision (TxnRecord.converge) is built when first read, from what the window held: read late,
after many later windows moved the plan cache's counters on, it is the record read at once.

Two runtimes run the same dispatches; one reads each record's `converge` right after its dispatch, the other reads
them all at the end. Every field must match but the measured durations.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from converge_support import counted_pairs
from runtime import ConvergeConfig, Runtime, TxnRecord

TIMED = {"execution_ms", "decision_ms", "ir_build_ms"}
"""Durations of the run itself (they differ between any two runs)."""


EDITS = [[1], [1], [2], [1], [3], [2], [1], list(range(60)), [1]]
"""Writes of different fields of 100 independent pairs: the planner's cache misses, then hits, so its counters
change window by window."""


def _untimed(record: TxnRecord) -> dict[str, Any]:
    assert record.converge is not None
    out = {k: v for k, v in dataclasses.asdict(record.converge).items() if k not in TIMED}
    out["top3"] = len(out["top3"])  # which steps were slowest is timing too
    out["steps"] = [(sid, changed, op) for sid, _ms, changed, op in out["steps"]]
    return out


@pytest.mark.parametrize("level", ["light", "sampled", "full"])
def test_a_converge_record_read_late_is_the_one_read_at_once(level: str) -> None:
    # no budgets: a decision or run cut short on a loaded machine would make the two runs differ for another reason
    unbounded = ConvergeConfig(budget_ms=1e9, decision_budget_ms=1e9)
    at_once = Runtime(diagnostics=level, converge=unbounded)  # type: ignore[arg-type]
    late = Runtime(diagnostics=level, converge=unbounded)  # type: ignore[arg-type]
    now, later = at_once.mount(counted_pairs(100, {})), late.mount(counted_pairs(100, {}))
    read_now: list[dict[str, Any]] = []
    records: list[TxnRecord] = []
    for edit in EDITS:
        record = now.dispatch("bump", edit)
        assert record is not None
        read_now.append(_untimed(record))
        kept = later.dispatch("bump", edit)
        assert kept is not None
        records.append(kept)
    read_late = [_untimed(record) for record in records]
    assert read_late == read_now
    hits = [r["cache"]["hits"] for r in read_late]
    assert len(set(hits)) > 1  # the counters did move between windows
    assert records[0].converge is records[0].converge  # built once, then kept in the record


def test_a_record_compares_and_prints_with_its_converge_built() -> None:
    rt = Runtime(diagnostics="light")
    inst = rt.mount(counted_pairs(3, {}))
    record = inst.dispatch("bump", [1])
    assert record is not None
    assert "ConvergeRecord(" in repr(record)
    assert dataclasses.replace(record).converge == record.converge
