"""The converge pane says, per transaction, whether its plan ran through an assembled kernel and, if not, why."""

from __future__ import annotations

from devtools.app.contexts import live_context
from devtools.views.converge import ConvergePane
from runtime import ConvergeConfig, Module, Runtime, computed


def pairs(name: str) -> Module:
    m = Module(name, {"b": 0, "d": 0, "e": 0}, fields=[computed("d", deps=["b"], derive=lambda b: b + 1),
                                                       computed("e", deps=["d"], derive=lambda d: d * 2)])

    @m.reducer("bump")
    def bump(draft, _payload):
        draft["b"] += 1

    return m


def shown(pane: ConvergePane) -> dict[str, str]:
    """transaction -> the `assembled` cell, as the table shows them."""
    header = [pane.table.horizontalHeaderItem(c).text() for c in range(pane.table.columnCount())]
    col = header.index("assembled")
    return {pane.table.item(r, 0).text(): pane.table.item(r, col).text() for r in range(pane.table.rowCount())}


def test_the_table_shows_assembled_runs_and_why_the_others_were_not(qtbot, aio):
    rt = Runtime(label="app", diagnostics="light", converge=ConvergeConfig(mode="full"),
                 converge_by_module={"slow": ConvergeConfig(assembly=False)})
    ctx = live_context(rt)
    fast, slow = rt.mount(pairs("fast")), rt.mount(pairs("slow"))
    for _ in range(2):
        fast.dispatch("bump", None)
        slow.dispatch("bump", None)
    pane = ConvergePane(ctx)
    qtbot.addWidget(pane)
    pane.show()
    qtbot.waitUntil(lambda: len(shown(pane)) == 6)
    cells = shown(pane)
    assert cells["fast#1::t1"] == "missing_capability"  # the mount's cold start: the plan's first run
    assert cells["fast#1::t2"] == cells["fast#1::t3"] == "yes"
    assert {cells[f"slow#1::t{i}"] for i in (1, 2, 3)} == {"disabled"}
    slow.dispatch("bump", None)  # live: a new transaction shows up with its evidence
    qtbot.waitUntil(lambda: shown(pane).get("slow#1::t4") == "disabled")
    for fn in ctx.cleanups:
        fn()
    rt.dispose()
