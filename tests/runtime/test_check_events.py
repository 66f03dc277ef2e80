"""Checks are traced (issue 15): validating a `check` field emits `trace:trait:check` (kind `trait:check`) with the
rules that ran and their outcome, at the levels where converge events are emitted."""

from __future__ import annotations

import pytest
from schema_check import validator

from runtime import ConvergeConfig, Module, Runtime, check, check_list
from runtime.trace import TraceWriter

META = validator("trait-check-meta")
EVENT = validator("debug-event")


def signup() -> Module:
    m = Module("signup", {"email": "", "items": [{"name": "a"}, {"name": "b"}]},
               fields=[check("email", {"required": lambda v: None if v else "required",
                                       "has at": lambda v: None if "@" in v else "needs an @",
                                       "short": lambda v: None if len(v) < 40 else "too long"}),
                       check_list("items", {"named": lambda row: None if row.get("name") else "a name is required"})])

    @m.reducer("email")
    def set_email(draft, v):
        draft["email"] = v

    @m.reducer("rename")
    def rename(draft, p):
        draft["items"][p[0]]["name"] = p[1]

    return m


def check_events(rt: Runtime) -> list[dict]:
    events = [e for e in rt.hub.events() if e["kind"] == "trait:check"]
    for e in events:
        assert e["label"] == "trace:trait:check"
        assert not list(META.iter_errors(e["meta"])), e["meta"]
        assert not list(EVENT.iter_errors(e)), e
    return events


@pytest.mark.parametrize("level", ["light", "sampled", "full"])
def test_each_executed_check_reports_its_rules_and_their_outcome(level):
    rt = Runtime(diagnostics=level)
    inst = rt.mount(signup())
    inst.dispatch("email", "ada")
    record = inst.dispatch("email", "ada@example.org")
    assert record is not None
    events = [e for e in check_events(rt) if e["meta"]["field"] == "email"]
    fail, ok = events[-2]["meta"], events[-1]["meta"]
    assert fail["outcome"] == "invalid" and fail["changed"]
    assert fail["rules"] == [{"ruleId": "required", "outcome": "pass"}, {"ruleId": "has at", "outcome": "fail"},
                             {"ruleId": "short", "outcome": "skipped"}]
    assert ok["outcome"] == "valid" and ok["changed"]
    assert [r["outcome"] for r in ok["rules"]] == ["pass", "pass", "pass"]
    last = events[-1]
    assert last["txnId"] == record.txn_id and last["linkId"] == record.link_id
    converge = [e for e in rt.hub.events() if e["kind"] == "trait:converge" and e["txnId"] == record.txn_id]
    assert converge and last["meta"]["staticIrDigest"] == converge[0]["meta"]["staticIrDigest"]


def test_a_list_check_reports_the_rows_it_revalidated():
    rt = Runtime(diagnostics="light")
    inst = rt.mount(signup())
    inst.dispatch("rename", (1, ""))
    last = [e["meta"] for e in check_events(rt) if e["meta"]["field"] == "items"][-1]
    assert last["summary"] == {"scannedRows": 1, "affectedRows": 1}
    assert last["rules"] == [{"ruleId": "named", "outcome": "fail"}] and last["outcome"] == "invalid"


def test_no_check_event_when_no_check_ran_or_diagnostics_are_off():
    m = Module("plain", {"n": 0, "email": "x"}, fields=[check("email", {"required": lambda v: None if v else "r"})])

    @m.reducer("inc")
    def inc(draft, _):
        draft["n"] += 1

    rt = Runtime(diagnostics="light", converge=ConvergeConfig(mode="dirty"))
    inst = rt.mount(m)
    before = len(check_events(rt))
    inst.dispatch("inc")  # a dirty plan: the check does not read n, it does not run
    assert len(check_events(rt)) == before
    off = Runtime()
    off.mount(signup()).dispatch("email", "x")
    assert off.hub.events() == []


def test_check_events_in_a_recorded_trace_pass_the_schemas(tmp_path, check_trace):
    path = tmp_path / "t.jsonl"
    rt = Runtime(label="signup-app", diagnostics="light")
    with TraceWriter(path, label=rt.label).attach(rt.hub, runtime=rt):
        inst = rt.mount(signup())
        inst.dispatch("email", "a@b")
    rt.dispose()
    check_trace(path, "trait:check")
