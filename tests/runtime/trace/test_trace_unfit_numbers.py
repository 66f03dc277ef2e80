"""A number a row reads as a float that does not fit its column (a converge duration beyond a 32-bit float, 1e300;
any number beyond a double, 1e400, which JSON readers refuse or read as infinity) is reported as a load problem
naming the event and the field, and the event loads without it: every other column as if the field were absent."""

from __future__ import annotations

import re
from array import array
from pathlib import Path

import orjson

from runtime.trace import EventStore, load_trace

_ROW_COLUMNS = ("seq", "ts", "kind", "label", "module", "instance", "txn", "link", "command", "tick", "digest", "flags",
                "converge", "dirty_end")


def _set(line: bytes, key: str, text: str) -> bytes:
    """`key` (the first one inside the payload) set to the number `text`, written as it is."""
    head, payload = line.split(b'"payload":', 1)
    out, n = re.subn(rb'"' + key.encode() + rb'":[^,}]+', b'"' + key.encode() + b'":' + text.encode(), payload,
                     count=1)
    assert n == 1
    return head + b'"payload":' + out


def _f32(value: float) -> float:
    return array("f", [value])[0]


def test_a_duration_that_does_not_fit_is_reported_by_event_and_field_and_the_event_loads(full_trace, tmp_path):
    lines = full_trace.read_bytes().split(b"\n")
    converge = [i for i, line in enumerate(lines) if b'"label":"trace:trait:converge"' in line]
    big, beyond, negative, both, digits = converge[1:6]
    states = [i for i, line in enumerate(lines) if i > digits and b'"label":"state:update"' in line]
    originals = {i: orjson.loads(lines[i])["payload"] for i in (big, beyond, negative, both, digits)}
    lines[big] = _set(lines[big], "executionDurationMs", "1e300")
    lines[beyond] = _set(lines[beyond], "executionDurationMs", "1e400")
    lines[negative] = _set(lines[negative], "decisionDurationMs", "-1e400")
    lines[both] = _set(_set(lines[both], "executionDurationMs", "3e38"), "decisionDurationMs", "3e38")
    lines[digits] = _set(lines[digits], "executionDurationMs", "1" + "0" * 400)  # an int no float holds
    lines[states[0]] = _set(lines[states[0]], "timestamp", "1e400")  # the payload's time: the envelope's stands in
    lines[states[1]] = _set(lines[states[1]], "timestamp", "-" + "9" * 400)
    target = tmp_path / "unfit.jsonl"
    target.write_bytes(b"\n".join(lines))

    store = load_trace(target)

    def named(i: int, what: str) -> tuple[int, str]:
        payload = orjson.loads(re.sub(rb"-?1e400|-?[0-9]{400,}", b"0", lines[i]))["payload"]
        return i + 1, f"event {payload['eventId']} ({payload['label']}): {what}; the row leaves it out"

    assert [(p.line, p.message) for p in store.problems] == [
        named(big, "meta.executionDurationMs 1e+300 does not fit a 32-bit float"),
        named(beyond, "meta.executionDurationMs is a number beyond a double"),
        named(negative, "meta.decisionDurationMs is a number beyond a double"),
        named(both, "meta.executionDurationMs 3e+38 + meta.decisionDurationMs 3e+38 do not fit a 32-bit float"),
        named(digits, "meta.executionDurationMs is a number beyond a double"),
        named(states[0], "timestamp is a number beyond a double"),
        named(states[1], "timestamp is a number beyond a double"),
    ]
    clean = load_trace(full_trace)
    assert len(store) == len(clean)  # every event loaded
    for name in _ROW_COLUMNS:
        assert getattr(store, name) == getattr(clean, name), name
    row = {i: next(r for r in range(len(store)) if store.raw(r) == lines[i]) for i in originals}
    assert store.converge_ms[row[big]] == _f32(originals[big]["meta"]["decisionDurationMs"])
    assert store.converge_ms[row[beyond]] == _f32(originals[beyond]["meta"]["decisionDurationMs"])
    assert store.converge_ms[row[negative]] == _f32(originals[negative]["meta"]["executionDurationMs"])
    assert store.converge_ms[row[both]] == 0.0
    assert store.converge_ms[row[digits]] == _f32(originals[digits]["meta"]["decisionDurationMs"])
    changed = {row[i] for i in originals}
    assert [store.converge_ms[r] for r in range(len(store)) if r not in changed] == \
        [clean.converge_ms[r] for r in range(len(clean)) if r not in changed]
    assert store.payload(row[beyond])["meta"]["executionDurationMs"] == float("inf")  # the payload as written


def test_a_number_beyond_a_double_outside_the_row_fields_of_another_record_is_still_no_json(full_trace, tmp_path):
    lines = full_trace.read_bytes().split(b"\n")
    at = next(i for i, line in enumerate(lines) if b'"type":"static-ir"' in line)
    lines[at] = lines[at].replace(b'"payload":{', b'"payload":{"huge":1e400,', 1)
    target = tmp_path / "ir.jsonl"
    target.write_bytes(b"\n".join(lines))
    store = load_trace(target)
    assert [p.line for p in store.problems] == [at + 1]
    assert store.problems[0].message.startswith("not JSON")


def test_a_trace_of_fitting_numbers_reports_nothing(full_trace: Path):
    assert load_trace(full_trace).problems == []


def test_a_live_store_keeps_the_same_columns_of_durations_that_do_not_fit(full_trace):
    """The live ingest (a hub tap) takes the same rules: nothing is reported there, nothing reaches a column as
    infinity and nothing raises."""
    env = next(orjson.loads(line) for line in full_trace.read_bytes().split(b"\n")[1:]
               if b'"label":"trace:trait:converge"' in line)
    live = EventStore()
    for run_ms, decide_ms in ((1e300, 0.5), (0.25, -1e39), (3e38, 3e38), (2, 0.5)):
        payload = orjson.loads(orjson.dumps(env["payload"]))
        payload["meta"]["executionDurationMs"], payload["meta"]["decisionDurationMs"] = run_ms, decide_ms
        assert live.append("debug:event", payload) == len(live) - 1
    assert list(live.converge_ms) == [0.5, 0.25, 0.0, 2.5]
