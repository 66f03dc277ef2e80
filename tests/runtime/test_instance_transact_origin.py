"""The origin `transact` records: its kind, name and details as given, and a call site only at diagnostics level
full (its caller's, or the one the caller took earlier, kept as given); below full no frame is walked."""

from __future__ import annotations

import pytest

from runtime import Module, Runtime


def notes() -> Module:
    return Module("notes", {"text": ""})


def write(inst, text: str, **options):
    return inst.transact(lambda d: d.__setitem__("text", text), origin_kind="devtools", origin_name="edit",
                         details={"by": "test"}, **options)


@pytest.mark.parametrize("level", ["off", "light"])
def test_below_full_transact_walks_no_frame_and_records_no_call_site(level):
    rt = Runtime(diagnostics=level)
    inst = rt.mount(notes())
    record = write(inst, "a")
    assert record is not None and record.origin.site is None
    assert (record.origin.kind, record.origin.name, record.origin.details) == ("devtools", "edit", {"by": "test"})
    assert rt.sink.call_sites.walks == 0


def test_at_full_transact_records_a_call_site_its_state_event_carries_or_keeps_the_one_given():
    rt = Runtime(diagnostics="full")
    inst = rt.mount(notes())
    record = write(inst, "a")
    assert record is not None and record.origin.site is not None and rt.sink.call_sites.walks == 1
    (event,) = [e for e in rt.hub.events() if e["kind"] == "state"]
    assert event["meta"]["callSite"] == record.origin.site
    given = {"file": "trigger.py", "line": 7, "function": "save", "frames": [], "truncated": False}
    kept = write(inst, "b", call_site=given)
    assert kept is not None and kept.origin.site is given and rt.sink.call_sites.walks == 1  # not walked again
