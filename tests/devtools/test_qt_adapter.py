"""The Qt adapter as a user's application uses it: properties bound to topics and selector topics, a two-way input
through an action, signals to actions, busy on widgets, and the UI commit and paint of 092 measured."""

from __future__ import annotations

import asyncio

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget
from schema_check import validator

from devtools import qt
from devtools.qt import QtAdapter, busy_spinner
from runtime import E2EConfig, Module, Runtime
from runtime.actions import ActionCoordinator, action
from runtime.busy import BusyBoundary, runs_of
from runtime.operations import ManualClock

META = validator("e2e-trace-segment-meta")


def form() -> Module:
    m = Module("form", initial={"runs": {}, "name": "", "count": 0, "log": []})

    @m.reducer("setName")
    def set_name(draft, name):
        draft["name"] = name

    @m.reducer("bump")
    def bump(draft, by):
        draft["count"] += by or 1

    @m.reducer("note")
    def note(draft, text):
        draft["log"].append(text)

    return m


@pytest.fixture
def app(qtbot, qt_loop):
    rt = Runtime(label="app", diagnostics="light", buffer_size=5000)
    inst = rt.mount(form())
    actions = ActionCoordinator(inst)
    ui = QtAdapter(rt)
    window = QWidget()
    layout = QVBoxLayout(window)
    qtbot.addWidget(window)
    yield rt, inst, actions, ui, window, layout
    ui.close()
    rt.dispose()


def add(layout, widget):
    layout.addWidget(widget)
    return widget


def test_properties_follow_a_topic_and_a_selector_once_per_tick_all_at_one_tick(app, qtbot):
    rt, inst, _, ui, window, layout = app
    count, name = add(layout, QLabel()), add(layout, QLabel())
    window.show()
    seen: list[tuple[int, int]] = []

    def show_count(value):
        seen.append((ui.frame_tick, value))
        count.setText(str(value))

    ui.bind(count, show_count, rt.store.topic(inst), to=lambda s: s["count"])
    ui.bind(name, "text", rt.store.select(inst, lambda s: s["name"], reads=["name"]))
    seen.clear()
    for _ in range(20):  # twenty commits in one loop turn
        inst.dispatch("bump", 1)
    inst.dispatch("setName", "Ada")
    qtbot.waitUntil(lambda: name.text() == "Ada")
    assert count.text() == "20"
    assert seen == [(rt.store.tick_seq, 20)]  # one update, at the tick that published all of it
    assert all(b.last_tick == rt.store.tick_seq for b in ui.binder._bindings)  # noqa: SLF001  (test peeks)


def test_a_two_way_input_goes_through_its_action_and_never_echoes(app, qtbot):
    rt, inst, _, ui, window, layout = app
    edit = add(layout, QLineEdit())
    window.show()
    ui.bind(edit, "text", rt.store.topic(inst), to=lambda s: s["name"], edit="setName", on=inst)
    qtbot.keyClicks(edit, "Ada")
    qtbot.waitUntil(lambda: inst.get_state()["name"] == "Ada")
    names = [r.origin.name for r in inst.history if r.origin.kind == "action"]
    assert names == ["setName"] * 3  # one dispatch per keystroke: the adapter's own writes are not sent back
    inst.dispatch("setName", "Grace")  # a change from elsewhere shows in the input
    qtbot.waitUntil(lambda: edit.text() == "Grace")
    assert [r.origin.name for r in inst.history if r.origin.kind == "action"].count("setName") == 4


def test_signals_reach_reducer_actions_and_async_actions(app, qtbot):
    rt, inst, actions, ui, window, layout = app
    bump, save = add(layout, QPushButton("bump")), add(layout, QPushButton("save"))
    edit = add(layout, QLineEdit())
    window.show()

    async def saving(ctx, text):
        await asyncio.sleep(0)
        ctx.dispatch("note", text)
        return text

    ui.connect(bump.clicked, "bump", on=inst, payload=2)
    off = ui.connect(save.clicked, action("save", saving), on=actions, payload=lambda: edit.text())
    edit.setText("hello")
    qtbot.mouseClick(bump, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: inst.get_state()["log"] == ["hello"])
    assert inst.get_state()["count"] == 2
    assert [r.status for r in actions.runs("save")] == ["success"]
    off()
    qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
    assert len(actions.runs("save")) == 1
    with pytest.raises(TypeError, match="ActionCoordinator"):
        ui.connect(save.clicked, action("x", saving), on=inst)


def test_a_slow_run_disables_its_button_and_shows_the_spinner_a_fast_one_never_does(app, qtbot):
    rt, inst, actions, ui, window, layout = app
    button = add(layout, QPushButton("save"))
    spinner = add(layout, busy_spinner(window))
    window.show()
    clock = ManualClock()
    boundary = BusyBoundary(rt.pending, match=runs_of("save"), clock=clock)
    ui.bind_busy(button, boundary, spinner=spinner)
    changes: list[bool] = []
    gate = asyncio.Event()

    async def saving(ctx, _):
        await gate.wait()

    defn = action("save", saving)
    ui.connect(button.clicked, defn, on=actions)
    boundary.subscribe(lambda: changes.append(boundary.get_snapshot().shown))
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    clock.advance(0.1)
    gate.set()
    qtbot.waitUntil(lambda: not actions.pending())
    clock.advance(1.0)
    ui.flush()
    assert button.isEnabled() and not spinner.isVisible() and changes.count(True) == 0  # fast: never shown
    gate.clear()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    clock.advance(0.15)
    qtbot.waitUntil(lambda: not button.isEnabled())
    assert spinner.isVisible() and button.property("busy") is True
    gate.set()
    qtbot.waitUntil(lambda: not actions.pending())
    clock.advance(0.1)  # shown for 100 ms of its 300 ms minimum: still busy
    ui.flush()
    assert not button.isEnabled()
    clock.advance(0.2)
    qtbot.waitUntil(lambda: button.isEnabled())
    assert not spinner.isVisible() and button.property("busy") is False


def test_the_ui_commit_and_the_paint_of_a_run_are_recorded_once_per_tick(app, qtbot):
    rt, inst, actions, ui, window, layout = app
    rt.e2e.configure(E2EConfig(enabled=True, sample_rate=1.0))
    label, other = add(layout, QLabel("-")), add(layout, QLabel("-"))
    with qtbot.waitExposed(window):  # a context manager: called alone it waits for nothing
        window.show()
    topic = rt.store.topic(inst)
    ui.bind(label, "text", topic, to=lambda s: str(s["count"]))
    ui.bind(other, "text", topic, to=lambda s: f"n={s['count']}")

    async def step(ctx, _):
        await asyncio.sleep(0)
        ctx.dispatch("bump", 1)

    run = actions.trigger(action("step", step, lane="urgent"), None)
    qtbot.waitUntil(lambda: label.text() == "1")
    qtbot.waitUntil(lambda: any(e["meta"]["segmentKind"] == "paint" for e in e2e(rt)))
    events = e2e(rt)
    for e in events:
        assert not list(META.iter_errors(e["meta"])), e["meta"]
    commits = [e for e in events if e["meta"]["segmentKind"] == "react:commit"]
    paints = [e for e in events if e["meta"]["segmentKind"] == "paint"]
    assert commits and all(e["linkId"] == run.link_id for e in commits + paints)
    ticks = [e["meta"]["tickSeq"] for e in commits]
    assert len(ticks) == len(set(ticks))  # one UI commit per tick, however many widgets
    assert {e["meta"]["tickSeq"] for e in paints} <= set(ticks)
    paint = paints[0]
    commit = next(e for e in commits if e["meta"]["tickSeq"] == paint["meta"]["tickSeq"])
    assert paint["meta"]["startMonoMs"] >= commit["meta"]["startMonoMs"] + commit["meta"]["durationMs"]
    assert ui.binder.paint_probe is not None and ui.binder.paint_probe.paints >= 1


def test_the_module_functions_use_the_installed_adapter(qtbot, qt_loop):
    rt = Runtime(label="app")
    inst = rt.mount(form())
    ui = qt.install(rt)
    assert qt.adapter() is ui
    label = QLabel()
    qtbot.addWidget(label)
    qt.bind(label, "text", rt.store.topic(inst), to=lambda s: s["name"] or "nobody")
    assert label.text() == "nobody"
    inst.dispatch("setName", "Ada")
    qtbot.waitUntil(lambda: label.text() == "Ada")
    assert ui.frame_tick == rt.store.tick_seq
    with pytest.raises(AttributeError, match="no Qt property 'colour'"):
        qt.bind(label, "colour", rt.store.topic(inst))
    ui.close()
    rt.dispose()


def e2e(rt: Runtime) -> list[dict]:
    return [e for e in rt.hub.events() if e["label"] == "trace:e2e"]
