"""A second writer or a cycle among derived fields is refused (nothing applied) and also reported as the
diagnostic `field_kernel::config_error`, its kind `field_kernel_config_error:<code>`."""

from __future__ import annotations

import pytest

from runtime import FieldConfigError, Module, Runtime, computed


def config_errors(rt):
    return [e["meta"] for e in rt.hub.events() if e["label"] == "field_kernel::config_error"]


def test_a_cycle_at_mount_is_refused_and_reported():
    cyclic = Module("cyclic", {"a": 0, "b": 0}, fields=[computed("a", deps=["b"], derive=lambda b: b),
                                                         computed("b", deps=["a"], derive=lambda a: a)])
    rt = Runtime(diagnostics="light")
    with pytest.raises(FieldConfigError, match="CYCLE_DETECTED"):
        rt.mount(cyclic)
    (meta,) = config_errors(rt)
    assert meta["kind"] == "field_kernel_config_error:CYCLE_DETECTED" and meta["severity"] == "error"
    assert sorted(meta["fields"]) == ["a", "b"]
    assert rt.instances() == []


def test_a_second_writer_installed_later_is_refused_reported_and_changes_nothing():
    m = Module("form", {"a": 1, "total": 0}, reducers={"set": lambda d, v: d.__setitem__("a", v)},
               fields=[computed("total", deps=["a"], derive=lambda a: a * 2)])
    rt = Runtime(diagnostics="light")
    inst = rt.mount(m)
    digest = inst.shape.ir.digest
    with pytest.raises(FieldConfigError, match="MULTIPLE_WRITERS"):
        inst.install_fields([computed("total", deps=["a"], derive=lambda a: -a)])
    (meta,) = config_errors(rt)
    assert meta["kind"] == "field_kernel_config_error:MULTIPLE_WRITERS" and meta["fields"] == ["total", "total"]
    assert inst.shape.ir.digest == digest and inst.planner.generation == 0
    inst.dispatch("set", 4)
    assert inst.get_state()["total"] == 8


def test_config_errors_are_raised_at_diagnostics_off_too():
    rt = Runtime()
    with pytest.raises(FieldConfigError):
        rt.mount(Module("c", {"a": 0}, fields=[computed("a", deps=["a"], derive=lambda a: a)]))
    assert rt.hub.events() == []
