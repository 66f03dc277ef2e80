"""Fields installed and uninstalled at run time: the static IR export follows a generation bump, two writers of one
field in a call are refused and reported on the instance, nested targets uninstall by their dotted path, and an
unknown target is refused naming it."""

from __future__ import annotations

import pytest

from runtime import DefinitionError, FieldConfigError, Module, Runtime, computed


def stats() -> Module:
    return Module("stats", initial={"n": 1, "double": 2, "sum": {"total": 0}},
                  fields=[computed("double", deps=["n"], derive=lambda n: n * 2)],
                  reducers={"set": lambda d, n: d.__setitem__("n", n)})


def test_the_static_ir_export_follows_a_generation_bump():
    inst = Runtime(diagnostics="light").mount(stats())
    before = inst.static_ir_export()
    inst.install_fields([computed("sum.total", deps=["double"], derive=lambda d: d + 1)])
    after = inst.static_ir_export()
    assert (before["generation"], after["generation"]) == (0, 1)
    assert len(after["stepOutFieldPathIdByStepId"]) == 2 and after["staticIrDigest"] != before["staticIrDigest"]


def test_two_writers_of_one_field_in_one_install_are_refused_and_reported_on_the_instance():
    rt = Runtime(diagnostics="light")
    inst = rt.mount(stats())
    with pytest.raises(FieldConfigError):
        inst.install_fields([computed("sum.total", deps=["n"], derive=lambda n: n),
                             computed("sum.total", deps=["double"], derive=lambda d: d)])
    (report,) = [e for e in rt.hub.events() if e["label"] == "field_kernel::config_error"]
    assert (report["moduleId"], report["instanceId"]) == ("stats", "stats#1")
    assert inst.static_ir_export()["generation"] == 0  # nothing changed


def test_a_nested_installed_field_uninstalls_by_its_dotted_path():
    inst = Runtime().mount(stats())
    inst.install_fields([computed("sum.total", deps=["double"], derive=lambda d: d + 1)])
    inst.dispatch("set", 3)
    assert inst.get_state()["sum"]["total"] == 7
    inst.uninstall_fields(["sum.total"])
    inst.dispatch("set", 4)
    assert inst.get_state()["sum"]["total"] == 7 and inst.get_state()["double"] == 8


def test_uninstalling_a_field_that_was_not_installed_is_refused_naming_it():
    inst = Runtime().mount(stats())
    inst.install_fields([computed("sum.total", deps=["double"], derive=lambda d: d + 1)])
    with pytest.raises(DefinitionError) as err:
        inst.uninstall_fields(["sum.total", "sum.mean", "double"])
    assert str(err.value) == "stats#1: no installed field at ['double', 'sum.mean']"
    inst.dispatch("set", 5)
    assert inst.get_state()["sum"]["total"] == 11  # nothing was uninstalled
