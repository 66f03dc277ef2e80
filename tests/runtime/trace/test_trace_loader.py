"""Loading trace files: what loads, what is reported by line, what is refused, and that it never crashes."""

from __future__ import annotations

import threading
from pathlib import Path

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from runtime.trace import LoadCancelled, TraceFormatError, UnsupportedTraceVersion, load_trace
from runtime.trace.row_codes import FLAG_TICK_END


def _lines(path: Path) -> list[bytes]:
    return path.read_bytes().split(b"\n")


def test_a_recorded_trace_loads_every_event_in_order(full_trace, check_trace):
    code, out = check_trace(full_trace, "state/state:update", "trait:converge")
    assert code == 0, out
    envelopes = [orjson.loads(line) for line in _lines(full_trace)[1:] if line]
    events = [e["payload"] for e in envelopes if e["type"] == "debug:event"]
    store = load_trace(full_trace)
    assert store.problems == []
    assert store.header["runId"] == "sample-run"
    assert len(store) == len(events)
    assert [store.payload(r) for r in range(len(store))] == events
    assert [store.seq[r] for r in range(len(store))] == [e["seq"] for e in envelopes if e["type"] == "debug:event"]
    assert set(store.static_irs) == {e["payload"]["staticIrDigest"] for e in envelopes if e["type"] == "static-ir"}
    snapshots = [e for e in envelopes if e["type"] == "state:snapshot"]
    assert snapshots and len(store.side("state:snapshot")) == len(snapshots)
    assert store.index.txns_touching("items", instance_id="form#1").rows  # the indexes work on loaded rows


def test_progress_reaches_the_file_size_and_cancel_releases_the_store(full_trace):
    seen: list[tuple[int, int]] = []
    load_trace(full_trace, progress=lambda done, total: seen.append((done, total)), chunk_bytes=4096)
    size = full_trace.stat().st_size
    assert len(seen) > 3 and seen[-1] == (size, size)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
    stop = threading.Event()

    def cancel_midway(done: int, total: int) -> None:
        if done > total // 2:
            stop.set()

    with pytest.raises(LoadCancelled, match="cancelled"):
        load_trace(full_trace, progress=cancel_midway, cancel=stop, chunk_bytes=4096)


def test_corrupt_and_truncated_lines_are_reported_by_number_and_the_rest_loads(full_trace, tmp_path):
    lines = _lines(full_trace)
    assert lines[-1] == b""
    total_events = len(load_trace(full_trace))
    broken = list(lines[:-1])
    broken[4] = broken[4][: len(broken[4]) // 2] + b"#garbage"
    broken[9] = b"[1, 2, 3]"
    cut = broken[-1][:-20]  # a crash mid-write leaves the last line without its end
    target = tmp_path / "broken.jsonl"
    target.write_bytes(b"\n".join(broken[:-1] + [cut]))
    store = load_trace(target)
    by_line = {p.line: p.message for p in store.problems}
    assert set(by_line) == {5, 10, len(broken)}
    assert by_line[5].startswith("not JSON")
    assert "not an envelope" in by_line[10]
    assert "truncated" in by_line[len(broken)]
    lost = sum(1 for i in (4, 9, len(broken) - 1) if b'"debug:event"' in lines[i])
    assert len(store) == total_events - lost


def test_a_tick_event_with_an_odd_phase_loads_as_a_plain_tick_row(full_trace, tmp_path):
    """A phase that is a JSON array or object (a hand-edited or foreign trace) neither ends the tick nor stops the
    load: the row is there with its tickSeq, the ticks after it still end."""
    lines = _lines(full_trace)
    ends = [i for i, line in enumerate(lines) if b'"label":"trace:tick"' in line and b'"phase":"settled"' in line]
    assert len(ends) > 2
    odd = lines[ends[0]].replace(b'"phase":"settled"', b'"phase":["settled"]')
    target = tmp_path / "odd_phase.jsonl"
    target.write_bytes(b"\n".join(lines[: ends[0]] + [odd] + lines[ends[0] + 1:]))
    store = load_trace(target)
    original = load_trace(full_trace)
    assert store.problems == [] and len(store) == len(original)
    row = next(r for r in range(len(store)) if store.raw(r) == odd)
    assert store.tick[row] == original.tick[row] >= 0
    assert not store.flags[row] & FLAG_TICK_END and original.flags[row] & FLAG_TICK_END
    assert [store.flags[r] for r in range(row + 1, len(store))] == [original.flags[r] for r in
                                                                     range(row + 1, len(original))]


def test_a_newer_format_or_a_non_trace_is_refused_with_a_clear_message(full_trace, tmp_path):
    lines = _lines(full_trace)
    header = orjson.loads(lines[0])
    newer = tmp_path / "newer.jsonl"
    newer.write_bytes(b"\n".join([orjson.dumps({**header, "formatVersion": 7}), *lines[1:]]))
    with pytest.raises(UnsupportedTraceVersion, match="formatVersion 7 is newer"):
        load_trace(newer)
    for name, content in [("empty.jsonl", b""), ("text.txt", b"hello world\n"), ("png.png", b"\x89PNG\r\n\x1a\n"),
                          ("other.jsonl", b'{"format": "something-else"}\n{"a": 1}\n')]:
        path = tmp_path / name
        path.write_bytes(content)
        with pytest.raises(TraceFormatError, match="not a tickscope trace|not a trace header|empty"):
            load_trace(path)
    with pytest.raises(TraceFormatError, match="cannot read"):
        load_trace(tmp_path / "missing.jsonl")


_MUTATIONS = st.lists(
    st.tuples(st.sampled_from(["flip", "cut", "insert", "dup_line", "drop_line"]), st.integers(0, 10**9),
              st.binary(min_size=1, max_size=12)),
    min_size=1, max_size=6,
)


def _mutate(data: bytes, ops) -> bytes:
    buf = bytearray(data)
    for op, where, blob in ops:
        if not buf:
            break
        i = where % len(buf)
        if op == "flip":
            buf[i] ^= blob[0] or 0xFF
        elif op == "cut":
            del buf[i:]
        elif op == "insert":
            buf[i:i] = blob
        else:
            lines = bytes(buf).split(b"\n")
            j = where % len(lines)
            if op == "dup_line":
                lines.insert(j, lines[j])
            else:
                del lines[j]
            buf = bytearray(b"\n".join(lines))
    return bytes(buf)


_FUZZ_SOURCE: list[bytes] = []


def _fuzz_source(tmp_dir: Path) -> bytes:
    if not _FUZZ_SOURCE:
        from trace_samples import record_sample

        _FUZZ_SOURCE.append(record_sample(tmp_dir / "src.jsonl", "full", steps=4).read_bytes())
    return _FUZZ_SOURCE[0]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=_MUTATIONS)
def test_mutated_real_traces_never_crash_the_loader(tmp_path, ops):
    data = _mutate(_fuzz_source(tmp_path), ops)
    path = tmp_path / "mutated.jsonl"
    path.write_bytes(data)
    try:
        store = load_trace(path, build_indexes=True)
    except TraceFormatError:
        return  # refused as a whole, with a message
    n_lines = data.count(b"\n") + 1
    assert all(1 < p.line <= n_lines for p in store.problems)
    for row in range(len(store)):
        assert isinstance(store.payload(row), dict)
        store.dirty_roots(row)
    store.index.txns_touching("items")
    store.close()
