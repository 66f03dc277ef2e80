"""EvidencePackage export: the checker passes it and it imports back (Chrome and Perfetto: test_export_*.py)."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from trace_samples import record_rich

from runtime.trace import (
    evidence_package,
    evidence_to_trace,
    load_evidence,
    load_trace,
    write_evidence,
)


@pytest.fixture
def rich(tmp_path: Path):
    return load_trace(record_rich(tmp_path / "rich.jsonl"))


def test_evidence_package_passes_the_checker_and_imports_back(rich, tmp_path, check_trace):
    path = tmp_path / "evidence.json"
    write_evidence(rich, path)
    code, out = check_trace(path, "state/state:update", "action/async-action", "devtools/trace:tick")
    assert code == 0, out
    doc = orjson.loads(path.read_bytes())
    by_digest = doc["summary"]["converge"]["staticIrByDigest"]
    assert set(by_digest) == set(rich.static_irs)
    assert all(list(entry) == ["fieldPaths"] for entry in by_digest.values())  # light level: paths only
    back = load_evidence(path)
    assert back.problems == []
    assert [back.payload(r) for r in range(len(back))] == [rich.payload(r) for r in range(len(rich))]
    assert back.index.txns_touching("items").rows == rich.index.txns_touching("items").rows
    trace = tmp_path / "back.jsonl"
    assert evidence_to_trace(path, trace) == []
    code, out = check_trace(trace, "state/state:update", "devtools/trace:tick")
    assert code == 0, out
    assert len(load_trace(trace)) == len(rich)
    assert len(load_trace(path)) == len(rich)  # the loader recognises an evidence package by itself


def test_full_level_evidence_carries_whole_static_irs(full_trace):
    doc = evidence_package(load_trace(full_trace))
    entries = list(doc["summary"]["converge"]["staticIrByDigest"].values())
    assert entries and all("stepOutFieldPathIdByStepId" in e for e in entries)
    assert any(e["type"] == "state:snapshot" for e in doc["events"])


def test_evidence_import_refuses_what_is_not_a_package(tmp_path):
    from runtime.trace import TraceFormatError

    path = tmp_path / "x.json"
    path.write_bytes(b'{"protocolVersion": "v1", "runId": "r"}')
    with pytest.raises(TraceFormatError, match="not an evidence package"):
        load_evidence(path)
    path.write_bytes(b'{"protocolVersion": "v1", "runId": "r", "events": [1, {"type": "debug:event", "payload": {}}]}')
    store = load_evidence(path)
    assert [p.line for p in store.problems] == [1, 2] and len(store) == 0
