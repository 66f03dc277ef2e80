"""A module instance on a fake host: the kernel needs nothing of the Runtime."""

from __future__ import annotations

import pytest

from instance_support import counter_module
from parts_support import FakeHost

from runtime import ReducerError
from runtime.kernel.instance import ModuleInstance


def mount(host: FakeHost) -> ModuleInstance:
    module = counter_module()
    return ModuleInstance(host, module, "counter#1", None, module.build_shape())


def test_an_instance_commits_through_its_host_and_converges_in_the_same_window() -> None:
    host = FakeHost()
    inst = mount(host)
    record = inst.dispatch("add", 3)
    assert record is not None and inst.get_state() == {"n": 3, "double": 6}
    assert host.commits == [("counter#1", 1)]
    assert record.converge is None  # diagnostics off: the decision is evidence, and off builds none
    loud = FakeHost("light")
    record = mount(loud).dispatch("add", 3)
    assert record is not None and record.converge is not None
    assert (record.converge.executed_mode, record.converge.reasons) == ("full", ("cold_start",))


def test_a_reducer_that_raises_leaves_the_state_and_the_host_untouched() -> None:
    host = FakeHost()
    inst = mount(host)
    inst.dispatch("add", 1)
    with pytest.raises(ReducerError, match="bad payload"):
        inst.dispatch("boom")
    assert inst.get_state() == {"n": 1, "double": 2}
    assert host.commits == [("counter#1", 1)]


def test_the_host_s_diagnostics_level_decides_what_the_history_keeps() -> None:
    quiet, loud = FakeHost("off"), FakeHost("full")
    a, b = mount(quiet), mount(loud)
    a.dispatch("add", 1)
    b.dispatch("add", 1)
    assert len(a.history) == 0
    (record,) = b.history
    assert record.before == {"n": 0, "double": 0} and record.after == {"n": 1, "double": 2}
