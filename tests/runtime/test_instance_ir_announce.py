"""An instance hands the debug hub its static IR with the IR's dependency graph (the `static-ir:graph` record a
live stream and a trace carry), once per IR, and again after a reshape changed the graph."""

from __future__ import annotations

from runtime import Module, Runtime, computed


def test_a_tap_gets_each_ir_of_an_instance_once_with_its_dependency_graph():
    rt = Runtime(diagnostics="light")
    tapped: list[tuple[str, str, str]] = []
    rt.hub.tap(lambda kind, p: tapped.append((kind, p.get("staticIrDigest", ""), p.get("instanceId", "")))
               if kind.startswith("static-ir") else None)
    m = Module("gauge", initial={"v": 1, "w": 2, "x": 0}, fields=[computed("w", deps=["v"], derive=lambda v: v * 2)],
               reducers={"set": lambda d, v: d.__setitem__("v", v)})
    inst = rt.mount(m)
    inst.dispatch("set", 2)
    inst.dispatch("set", 3)
    first = inst.static_ir_export()["staticIrDigest"]
    assert tapped == [("static-ir", first, "gauge#1"), ("static-ir:graph", first, "gauge#1")]
    inst.install_fields([computed("x", deps=["w"], derive=lambda w: w + 1)])
    inst.dispatch("set", 4)
    second = inst.static_ir_export()["staticIrDigest"]
    assert second != first
    assert tapped[2:] == [("static-ir", second, "gauge#1"), ("static-ir:graph", second, "gauge#1")]
