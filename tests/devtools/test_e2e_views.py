"""The devtools show a run's end-to-end chain (092): the slowest runs as a sortable table, the selected run's
segments with their durations (in the pane and in the inspector), and an e2e lane on the timeline that draws the
chain from the action through its transactions and ticks to the UI commit and the paint."""

from __future__ import annotations

import asyncio

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QLabel

from devtools.app.contexts import live_context
from devtools.qt import QtAdapter
from devtools.views.e2e import E2EPane
from devtools.views.inspector import Inspector
from devtools.views.timeline import TimelineView
from runtime import E2EConfig, Module, Runtime
from runtime.actions import ActionCoordinator, action


def counter() -> Module:
    m = Module("counter", initial={"runs": {}, "n": 0})

    @m.reducer("bump")
    def bump(draft, _):
        draft["n"] += 1

    return m


@pytest.fixture
def traced(qtbot, qt_loop):
    rt = Runtime(label="app", diagnostics="light", buffer_size=20_000)
    rt.e2e.configure(E2EConfig(enabled=True, sample_rate=1.0))
    ctx = live_context(rt)
    inst = rt.mount(counter())
    actions = ActionCoordinator(inst)
    ui = QtAdapter(rt)
    label = QLabel("-")
    qtbot.addWidget(label)
    with qtbot.waitExposed(label):  # a context manager: called alone it waits for nothing
        label.show()
    ui.bind(label, "text", rt.store.topic(inst), to=lambda s: str(s["n"]))

    async def step(ctx_, delay):
        await asyncio.sleep(delay)
        ctx_.dispatch("bump")

    links = []
    for delay in (0.0, 0.3, 0.05):  # one after the other; the second sleeps longest, by far
        run = actions.trigger(action("step", step, lane="urgent"), delay)
        links.append(run.link_id)
        qtbot.waitUntil(lambda r=run: r.run.settled)
        qtbot.waitUntil(lambda lid=run.link_id: painted(rt, lid))
    yield ctx, rt, links
    for fn in ctx.cleanups:
        fn()
    ui.close()
    rt.dispose()


def painted(rt: Runtime, link_id: str) -> bool:
    settled = False
    for e in rt.hub.events():
        if e["label"] != "trace:e2e":
            continue
        meta = e["meta"]
        settled = settled or (e["linkId"] == link_id and meta["segmentKind"] == "action:settle")
        if settled and meta["segmentKind"] == "paint" and link_id in meta["linkIds"]:
            return True
    return False


def test_the_slowest_runs_table_sorts_and_lists_the_selected_runs_segments(qtbot, traced):
    ctx, rt, links = traced
    pane = E2EPane(ctx)
    qtbot.addWidget(pane)
    pane.show()
    qtbot.waitUntil(lambda: pane.table.rowCount() == 3
                    and all(pane.table.item(r, 2).text() for r in range(3)))
    firsts = [pane.table.item(r, 0).text() for r in range(3)]
    assert firsts[0] == links[1]  # slowest first
    latencies = [float(pane.table.item(r, 2).text()) for r in range(3)]
    assert latencies == sorted(latencies, reverse=True)
    assert latencies[0] >= 250.0  # it slept 300 ms (Qt timers may fire a little early)
    header = pane.table.horizontalHeader()
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton,  # the user sorts by that column: ascending now
                     pos=QPoint(header.sectionViewportPosition(2) + 5, header.height() // 2))
    resorted = [float(pane.table.item(r, 2).text()) for r in range(3)]
    assert resorted == sorted(resorted)
    pane.select_run(links[1])
    lines = [pane.segments.item(i).text() for i in range(pane.segments.count())]
    kinds = [line.split(":", 1)[0] if not line.startswith("UI commit") else "UI commit" for line in lines]
    assert kinds[0] in ("action", "txn")
    for needed in ("txn", "notify", "UI commit", "paint"):
        assert any(k.startswith(needed) for k in kinds), (needed, lines)
    assert any(line.startswith("action:settle") for line in lines)
    assert all(" ms" in line for line in lines)
    qtbot.mouseClick(pane.segments.viewport(), Qt.MouseButton.LeftButton,
                     pos=pane.segments.visualItemRect(pane.segments.item(0)).center())
    row = ctx.state.get()["selectedRow"]
    assert ctx.events.store.label_of(row) == "trace:e2e"


def test_the_inspector_lists_the_chain_of_the_selected_events_run(qtbot, traced):
    ctx, rt, links = traced
    inspector = Inspector(ctx)
    qtbot.addWidget(inspector)
    inspector.show()
    store = ctx.events.store
    qtbot.waitUntil(lambda: len(store) > 0 and any(store.label_of(r) == "trace:e2e" for r in range(len(store))))
    row = next(r for r in range(len(store)) if store.label_of(r) == "async-action" and store.link_of(r) == links[1])
    ctx.state.select_row(row)
    qtbot.waitUntil(lambda: "End-to-end chain" in inspector.summary_text())
    text = inspector.summary_text()
    assert links[1] in text and "action → paint" in text and "UI commit (react:commit)" in text and "paint" in text


def test_the_timeline_draws_each_runs_chain_on_an_e2e_lane(qtbot, traced):
    ctx, rt, links = traced
    view = TimelineView(ctx)
    qtbot.addWidget(view)
    view.show()
    qtbot.waitUntil(lambda: view.model.lane("counter#1/e2e") is not None
                    and view.model.lane("counter#1/e2e").span_count() >= 3 * 6)
    lane = view.model.lane("counter#1/e2e")
    assert set(lane.refs) == set(links)
    kinds = {ctx.events.store.payload(r)["meta"]["segmentKind"] for r in lane.ref_rows}
    assert {"action:pending", "txn:commit", "notify:scheduled", "notify:flush", "react:commit", "paint",
            "action:settle"} <= kinds
    order = [lane.kind for lane in view.model.lanes if lane.owner == "counter#1"]
    assert order == ["txn", "runs", "e2e"]  # the chain sits under its runs
    chain = view.model.e2e.chains[links[1]]
    assert chain.action_to_paint_ms() is not None and chain.action_to_paint_ms() >= 250.0
