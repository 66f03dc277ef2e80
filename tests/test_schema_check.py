"""The schema checker the tests rely on (tests/schema_check.py) passes what the runtime writes and catches what breaks
the shipped schemas (resources/schemas) or the rules across records."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator, ValidationError
from schema_check import registry, run, validator
from tests_paths import SCHEMAS

from runtime import Module, Runtime, computed
from runtime.trace import TraceWriter, load_trace, write_evidence

Envelope = dict[str, Any]


def _module() -> Module:
    m = Module("cart", initial={"items": [], "total": 0},
               fields=[computed("total", deps=["items.price"], derive=lambda prices: sum(prices))])

    @m.reducer("add")
    def add(draft: Any, price: int) -> None:
        draft["items"].append({"price": price})

    return m


def _record(path: Path, level: str) -> Path:
    rt = Runtime(label="cart-app", diagnostics=level)
    with TraceWriter(path, label=rt.label).attach(rt.hub, runtime=rt):
        inst = rt.mount(_module())
        for price in (2, 3, 5):
            inst.dispatch("add", price)
        rt.set_buffer_size(100)
    rt.dispose()
    return path


@pytest.fixture(scope="module")
def full_trace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _record(tmp_path_factory.mktemp("schema") / "full.jsonl", "full")


@pytest.mark.parametrize("level", ["light", "sampled", "full"])
def test_a_recorded_trace_and_its_evidence_package_pass_at_every_level(tmp_path: Path, level: str) -> None:
    trace = _record(tmp_path / "t.jsonl", level)
    code, report = run(trace, "state/state:update", "trait:converge", "action/add", "devtools/trace:tick",
                       "lifecycle/module:init", "devtools/trace:devtools:ring-trim-policy")
    assert code == 0, report
    evidence = tmp_path / "e.json"
    write_evidence(load_trace(trace), evidence)
    code, report = run(evidence, "state/state:update")
    assert code == 0, report


def _lines(path: Path) -> list[Envelope]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def _first(lines: list[Envelope], kind: str, label: str | None = None) -> Envelope:
    return next(e for e in lines[1:] if e["type"] == "debug:event" and e["payload"]["kind"] == kind
                and (label is None or e["payload"]["label"] == label))


def _set(key: str, value: Any) -> Callable[[Envelope], None]:
    return lambda meta: meta.update({key: value})


MUTATIONS: list[tuple[str, str, str | None, Callable[[Any], None], str]] = [
    ("unknown meta key", "state", "state:update", _set("bogus", 1), "'bogus' was unexpected"),
    ("commit mode", "state", "state:update", _set("commitMode", "eager"), "'eager' is not one of"),
    ("root id outside the table", "state", "state:update",
     lambda meta: meta["dirtySet"].update(rootIds=[999], rootCount=1), "[999] are not in a table of"),
    ("root count", "state", "state:update", lambda meta: meta["dirtySet"].update(rootCount=40), "of rootCount 40"),
    ("full converge root count", "trait:converge", None, lambda meta: meta["dirty"].update(rootCount=-1),
     "-1 is less than the minimum of 0"),
    ("converge reason", "trait:converge", None, _set("reasons", ["hunch"]), "'hunch' is not one of"),
    ("tick phase", "devtools", "trace:tick", _set("phase", "middle"), "'middle' is not one of"),
    ("action meta", "action", "add", _set("actionTag", ""), "should be non-empty"),
]


@pytest.mark.parametrize("what, kind, label, change, words", MUTATIONS, ids=[m[0] for m in MUTATIONS])
def test_a_meta_that_breaks_its_schema_fails_and_is_named(full_trace: Path, tmp_path: Path, what: str, kind: str,
                                                         label: str | None, change: Callable[[Any], None],
                                                         words: str) -> None:
    lines = _lines(full_trace)
    change(_first(lines, kind, label)["payload"]["meta"])
    broken = tmp_path / "broken.jsonl"
    broken.write_text("\n".join(json.dumps(e) for e in lines) + "\n")
    code, report = run(broken)
    assert code == 1 and words in report, report


def test_ids_order_and_digests_are_checked_across_records(full_trace: Path, tmp_path: Path) -> None:
    lines = _lines(full_trace)
    update = _first(lines, "state", "state:update")
    update["payload"]["eventId"] = "cart#1::e99"
    update["payload"]["txnId"] = "cart#1::t7"
    ir = next(i for i, e in enumerate(lines) if e.get("type") == "static-ir")
    lines.append(lines.pop(ir))  # the static IR after the events that name its digest
    broken = tmp_path / "broken.jsonl"
    broken.write_text("\n".join(json.dumps(e) for e in lines) + "\n")
    code, report = run(broken)
    assert code == 1
    assert f"eventId 'cart#1::e99' is not cart#1::e{update['payload']['eventSeq']}" in report
    assert f"txnId 'cart#1::t7' is not cart#1::t{update['payload']['txnSeq']}" in report
    assert "names static IR" in report and "before it was written" in report
    assert "seq" in report and "does not rise" in report


def test_required_kinds_must_appear_and_an_unreadable_file_says_so(full_trace: Path, tmp_path: Path) -> None:
    code, report = run(full_trace, "operation/operation:accepted")
    assert code == 1 and "missing kinds: operation/operation:accepted" in report
    garbage = tmp_path / "garbage.jsonl"
    garbage.write_text("not json at all\n")
    assert run(garbage)[0] == 2


def test_the_server_frame_schema_takes_what_a_server_sends_and_nothing_else() -> None:
    frames = validator("server-frame")
    hello: dict[str, Any] = {"type": "HELLO", "payload": {"protocolVersion": "v1", "runId": "r", "capabilities": {}}}
    error = {"protocolVersion": "v1", "runId": "r", "seq": 1, "timestamp": 1.0, "type": "inspect:error",
             "payload": {"code": "auth_failed", "message": "wrong token"}}
    batch = {"protocolVersion": "v1", "runId": "r", "events": [error]}
    frames.validate(hello)
    frames.validate({"type": "OBSERVATION_BATCH", "payload": batch})
    frames.validate({"type": "CONTROL_ACK", "payload": {"protocolVersion": "v1", "commandSeq": 1, "accepted": True}})
    refused = [
        {"type": "SUBSCRIBE", "payload": {"protocolVersion": "v1"}},  # a client's frame
        {"type": "HELLO", "payload": {**hello["payload"], "extra": 1}},
        {"type": "OBSERVATION_BATCH", "payload": {**batch, "events": [error, error]}},  # an error comes alone
        {"type": "CONTROL_ACK", "payload": {"protocolVersion": "v1", "commandSeq": 1, "accepted": False}},  # no reason
    ]
    for frame in refused:
        with pytest.raises(ValidationError):
            frames.validate(frame)


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        return ([node["$ref"]] if isinstance(node.get("$ref"), str) else []) + [r for v in node.values()
                                                                                 for r in _refs(v)]
    return [r for v in node for r in _refs(v)] if isinstance(node, list) else []


def test_every_shipped_schema_is_valid_named_after_its_file_and_resolves_its_refs() -> None:
    paths = sorted(SCHEMAS.glob("*.schema.json"))
    assert len(paths) > 20
    for path in paths:
        doc = json.loads(path.read_text())
        Draft202012Validator.check_schema(doc)
        assert doc["$id"] == f"tickscope://resources/schemas/{path.name}"
        resolver = registry().resolver(doc["$id"])
        for ref in _refs(doc):
            resolver.lookup(ref)  # raises when the target is missing
