"""The loader decodes only a row's fields from each line (runtime/trace/event_fields.py): odd values in those fields
load by the same rules as ever, a line that is no valid JSON is still reported by its number even where the typed
decode skips it, and a loaded trace has the columns a live store fed the same events has."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from runtime.trace import EventStore, load_trace
from runtime.trace.row_codes import FLAG_DIRTY_ALL, FLAG_DOWNGRADE, FLAG_ERROR_SUMMARY, NO_CODE

_ROW_COLUMNS = ("ts", "kind", "label", "module", "instance", "txn", "link", "command", "tick", "digest", "flags",
                "converge", "converge_ms", "dirty_end")


def _envelopes(path: Path) -> list[dict[str, Any]]:
    return [orjson.loads(line) for line in path.read_bytes().split(b"\n")[1:] if line]


def _first(envelopes: list[dict[str, Any]], label: str) -> dict[str, Any]:
    return next(e for e in envelopes if e["type"] == "debug:event" and e["payload"]["label"] == label)


def _write(path: Path, header: bytes, envelopes: list[dict[str, Any]]) -> Path:
    path.write_bytes(b"\n".join([header, *(orjson.dumps(e) for e in envelopes)]) + b"\n")
    return path


def _variant(env: dict[str, Any], payload: dict[str, Any] | None = None, meta: dict[str, Any] | None = None,
             **top: Any) -> dict[str, Any]:
    out = orjson.loads(orjson.dumps(env))
    out.update(top)
    out["payload"].update(payload or {})
    if meta:
        out["payload"]["meta"].update(meta)
    return out


def test_odd_values_in_a_rows_fields_load_by_the_column_rules(full_trace, tmp_path):
    envelopes = _envelopes(full_trace)
    state = _first(envelopes, "state:update")
    assert state["payload"]["meta"]["dirtySet"]["rootIds"]
    no_kind = _variant(state)
    del no_kind["payload"]["kind"]
    lines = [
        _variant(state, seq="7"),                                            # 1: a seq that is no int
        _variant(state, {"timestamp": 5}),                                   # 2: an int timestamp
        _variant(state, {"timestamp": "soon"}, timestamp=1234.5),            # 3: no number: the envelope's
        _variant(state, {"txnSeq": 2.5, "linkId": 3}),                       # 4: no int txn, no str link
        _variant(state, {"downgrade": None, "errorSummary": {"x": 1}}),      # 5: present (even null) sets the flag
        _variant(state, meta={"dirtySet": {"rootIds": [1, True, "2", -3, 4, 2**40]}}),  # 6: only ids that fit
        _variant(state, meta={"dirtySet": {"dirtyAll": True, "rootIds": [1]}}),  # 7: everything
        _variant(state, meta={"dirtySet": [1, 2], "staticIrDigest": 9}),     # 8: no object, no str digest
        _variant(state, {"meta": [1]}),                                      # 9: a meta that is no object
        _variant(state, meta={"commandId": None, "tickSeq": "3"}),           # 10: no str command, no int tick
        _variant(state, meta={"commandId": "cmd-1", "tickSeq": 3}),          # 11
        _variant(state, {"kind": ["state"]}),                                # 12: problem
        no_kind,                                                             # 13: problem
        _variant(state, {"label": ""}),                                      # 14: problem
    ]
    store = load_trace(_write(tmp_path / "odd.jsonl", full_trace.read_bytes().split(b"\n")[0], lines))
    assert [(p.line, p.message) for p in store.problems] == [
        (13, "debug:event payload has no string kind"), (14, "debug:event payload has no string kind"),
        (15, "debug:event payload has no string label")]
    assert len(store) == 11
    assert store.seq[0] == -1 and store.seq[1] == state["seq"]
    assert store.ts[1] == 5.0 and store.ts[2] == 1234.5
    assert store.txn[3] == 0 and store.link_of(3) is None and store.link_of(0) == state["payload"]["linkId"]
    assert store.flags[4] & (FLAG_DOWNGRADE | FLAG_ERROR_SUMMARY) == FLAG_DOWNGRADE | FLAG_ERROR_SUMMARY
    assert store.flags[0] & (FLAG_DOWNGRADE | FLAG_ERROR_SUMMARY) == 0
    assert store.dirty_roots(5) == [1, 4]
    assert store.dirty_roots(6) == [-1] and store.flags[6] & FLAG_DIRTY_ALL
    assert store.dirty_roots(7) == [] and store.digest[7] == NO_CODE and store.digest[0] != NO_CODE
    assert store.dirty_roots(8) == [] and store.tick[8] == -1 and store.digest[8] == NO_CODE
    assert store.command_of(9) is None and store.tick[9] == -1
    assert store.command_of(10) == "cmd-1" and store.tick[10] == 3
    assert store.payload(5)["meta"]["dirtySet"]["rootIds"] == [1, True, "2", -3, 4, 2**40]  # decoded whole later


def test_a_line_with_invalid_utf8_where_the_decode_skips_is_reported_and_the_rest_loads(full_trace, tmp_path):
    lines = full_trace.read_bytes().split(b"\n")
    rows = [i for i, line in enumerate(lines) if b'"label":"state:update"' in line]
    bad, accented = rows[1], rows[2]
    lines[bad] = lines[bad].replace(b'"kind":"state"', b'"note":"\xff\xfe","kind":"state"')
    lines[accented] = lines[accented].replace(b'"kind":"state"', b'"note":"caf\xc3\xa9","kind":"state"')
    target = tmp_path / "utf8.jsonl"
    target.write_bytes(b"\n".join(lines))
    store = load_trace(target)
    assert [p.line for p in store.problems] == [bad + 1]
    assert store.problems[0].message.startswith("not JSON") and "UTF-8" in store.problems[0].message
    assert len(store) == len(load_trace(full_trace)) - 1
    row = next(r for r in range(len(store)) if store.raw(r) == lines[accented])
    assert store.payload(row)["note"] == "café"


def test_a_loaded_trace_has_the_columns_of_a_live_store_fed_the_same_events(full_trace):
    loaded = load_trace(full_trace)
    live = EventStore()
    for env in _envelopes(full_trace):
        live.append(env["type"], env["payload"], timestamp=env["timestamp"])
    assert len(loaded) == len(live) > 100
    for name in _ROW_COLUMNS:
        assert getattr(loaded, name) == getattr(live, name), name
    assert loaded.dirty_ids == live.dirty_ids
    for table in ("kinds", "labels", "modules", "instances", "links", "commands", "digests"):
        assert getattr(loaded, table).values == getattr(live, table).values, table
    assert [loaded.payload(r) for r in range(len(loaded))] == [live.payload(r) for r in range(len(live))]


def test_a_number_beyond_a_double_in_a_skipped_field_loads_and_its_payload_still_decodes(full_trace, tmp_path):
    lines = full_trace.read_bytes().split(b"\n")
    at = next(i for i, line in enumerate(lines) if b'"label":"state:update"' in line)
    lines[at] = lines[at].replace(b'"kind":"state"', b'"huge":1e999,"kind":"state"')
    target = tmp_path / "huge.jsonl"
    target.write_bytes(b"\n".join(lines))
    store = load_trace(target)
    assert store.problems == [] and len(store) == len(load_trace(full_trace))
    row = next(r for r in range(len(store)) if store.raw(r) == lines[at])
    assert store.payload(row)["huge"] == float("inf") and store.kind_of(row) == "state"
