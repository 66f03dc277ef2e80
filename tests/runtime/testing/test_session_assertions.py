"""The assertions a replayed session uses, and the import path a module records at mount."""

from __future__ import annotations

import pytest

from runtime import Module, Runtime
from runtime.testing import TraceProbe, assert_state, assert_touched_exactly, set_recorded_fields

COUNTER = Module("counter", initial={"count": 0, "meta": {"by": ""}})


@COUNTER.reducer("add")
def _add(draft, n):
    draft["count"] += n


def counter_factory() -> Module:
    return Module("made", initial={"n": 0})


def test_assert_state_names_each_difference_by_path():
    assert_state({"a": 1, "b": [1, 2]}, {"a": 1.0, "b": [1, 2]}, where="x")
    with pytest.raises(AssertionError) as err:
        assert_state({"a": 2, "b": [1, 3], "c": True}, {"a": 1, "b": [1, 2], "d": 1}, where="shop#1 after shop#1::t4")
    assert str(err.value).splitlines() == [
        "the state of shop#1 after shop#1::t4 is not the recorded one (4 differences):",
        "  a: recorded 1, now 2", "  b[1]: recorded 2, now 3", "  d: recorded 1, now (missing)",
        "  c: recorded (missing), now True"]
    with pytest.raises(AssertionError, match="flag: recorded 1, now True"):
        assert_state({"flag": True}, {"flag": 1}, where="x")


def test_touched_exactly_and_recorded_fields_on_a_live_runtime():
    rt = Runtime(label="t", diagnostics="full")
    probe = TraceProbe()
    probe.record(rt)
    inst = rt.mount(COUNTER)
    rec = inst.dispatch("add", 2)
    assert_touched_exactly(probe, rec, ["count"], recorded_as="counter#1::t1")
    with pytest.raises(AssertionError, match=r"did not touch 'meta.by'"):
        assert_touched_exactly(probe, rec, ["count", "meta.by"], recorded_as="counter#1::t1")
    with pytest.raises(AssertionError, match=r"counter#1::t1: replayed as counter#1::t\d+ it also touched \['count'\]"):
        assert_touched_exactly(probe, rec, [], recorded_as="counter#1::t1")
    with pytest.raises(AssertionError, match="committed when it was recorded; replayed, it committed nothing"):
        assert_touched_exactly(probe, None, ["count"], recorded_as="counter#1::t9")
    set_recorded_fields(inst, {"meta.by": "sync"})
    assert inst.get_state() == {"count": 2, "meta": {"by": "sync"}}
    set_recorded_fields(inst, {"": {"count": 7, "meta": {"by": ""}}})
    assert inst.get_state() == {"count": 7, "meta": {"by": ""}}
    probe.close()
    rt.dispose()


def test_a_module_knows_where_it_can_be_imported_from():
    assert COUNTER.import_path == f"{__name__}:COUNTER"
    assert counter_factory().import_path == f"{__name__}:counter_factory"

    def nested() -> Module:
        return Module("inner", initial={})

    assert nested().import_path is None
    namespace: dict[str, object] = {"__name__": "__main__", "Module": Module}
    exec("m = Module('script', initial={})", namespace)
    assert namespace["m"].import_path is None  # type: ignore[attr-defined]  # exec's namespace holds objects


def test_the_mount_event_records_the_import_path():
    rt = Runtime(label="t", diagnostics="light")
    probe = TraceProbe()
    probe.record(rt)
    rt.mount(counter_factory())
    (init,) = probe.select(label="module:init")
    assert init["meta"] == {"label": "made#1", "importPath": f"{__name__}:counter_factory"}
    probe.close()
    rt.dispose()
