"""Highlight updates, as a user drives it: switched on in the devtools, the application's own widget flashes when a
tick updates it (an overlay over it, in the colour of how long the update took, then gone), and switched off it
does not. Live (the devtools hosting the demo runtime, the demo's window beside it) and attached (the switch
crosses the inspector protocol to the process that runs the application)."""

from __future__ import annotations

import asyncio
import time

import pytest
from devtools_support import attached_window, demo_window
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QLabel, QToolButton, QWidget

from devtools.host import DevtoolsHost, application
from devtools.qt import QtAdapter
from devtools.qt.highlight import FlashOverlay, colour_for
from devtools.state import DEFAULT_SETTINGS
from devtools.views.highlight_toggle import HIGHLIGHT_ACTION
from runtime import Runtime


def _flashes_over(widget: QWidget) -> list[FlashOverlay]:
    return [o for o in widget.window().findChildren(FlashOverlay) if o.target() is widget and o.isVisible()]


def _covers(overlay: FlashOverlay, widget: QWidget) -> bool:
    top_left = widget.mapTo(widget.window(), QPoint(0, 0))
    return overlay.geometry().contains(QRect(top_left, widget.size()))


def _click_toggle(qtbot, window) -> None:
    """Press the devtools' "Highlight updates" button where it is shown."""
    action = window.findChild(QAction, HIGHLIGHT_ACTION)
    button = next(w for w in action.associatedObjects() if isinstance(w, QToolButton) and w.isVisible())
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


@pytest.fixture
def live_demo(qtbot, qt_loop):
    rt = Runtime(label="demo", diagnostics="light")
    host = DevtoolsHost(application(), settings=dict(DEFAULT_SETTINGS, diagnostics="light"))
    devtools = host.show_live(rt)  # before the demo starts, as `tickscope` opens them
    qtbot.addWidget(devtools)
    with demo_window(qtbot, rt) as (_app, demo):
        yield rt, devtools, demo
    shut = asyncio.ensure_future(host.shutdown())
    qtbot.waitUntil(shut.done)
    rt.dispose()


def test_live_the_demo_widget_flashes_in_the_colour_of_its_update_then_stops_when_switched_off(qtbot, live_demo):
    rt, devtools, demo = live_demo
    label = demo.full_name
    _click_toggle(qtbot, devtools)
    qtbot.waitUntil(lambda: rt.highlight.enabled)

    qtbot.keyClicks(demo.first, "Ada")  # each key is a set_customer dispatch: the full name label updates
    qtbot.waitUntil(lambda: label.text() == "Ada" and bool(_flashes_over(label)))
    overlay = _flashes_over(label)[0]
    assert _covers(overlay, label)
    assert overlay.colour == colour_for(overlay.duration_ms)
    assert label.styleSheet() == ""  # the widget's own look is never touched
    qtbot.waitUntil(lambda: not demo.findChildren(FlashOverlay))  # faded out and deleted

    _click_toggle(qtbot, devtools)
    qtbot.waitUntil(lambda: not rt.highlight.enabled)
    qtbot.keyClicks(demo.last, "L")
    qtbot.waitUntil(lambda: label.text() == "Ada L")
    assert not demo.findChildren(FlashOverlay)


def test_a_slow_update_flashes_red(qtbot, qt_loop):
    rt = Runtime(label="app")
    from devtools_support import shop_module

    inst = rt.mount(shop_module())
    ui = QtAdapter(rt)
    window = QWidget()
    qtbot.addWidget(window)
    label = QLabel(window)
    label.setGeometry(10, 10, 120, 24)

    def slow_show(text: str) -> None:
        time.sleep(0.02)  # an expensive render: longer than a 60 Hz frame
        label.setText(text)

    ui.bind(label, slow_show, rt.store.topic(inst), to=lambda s: s["name"])
    with qtbot.waitExposed(window):  # a context manager: called alone it waits for nothing
        window.show()
    rt.highlight.set(True)
    inst.dispatch("rename", "Grace")
    qtbot.waitUntil(lambda: label.text() == "Grace" and bool(_flashes_over(label)))
    overlay = _flashes_over(label)[0]
    assert overlay.duration_ms >= 20
    assert overlay.colour == colour_for(16.0) and overlay.colour.name() == "#d64545"
    ui.close()
    rt.dispose()


def test_attached_the_switch_reaches_the_application_through_the_inspector(qtbot, aio):
    with attached_window(qtbot, aio) as (rt, inst, window, _session):
        app_window = QWidget()
        qtbot.addWidget(app_window)
        label = QLabel(app_window)
        label.setGeometry(10, 10, 160, 24)
        ui = QtAdapter(rt)  # the application's own adapter, in "its" process
        ui.bind(label, "text", rt.store.topic(inst), to=lambda s: s["title"])
        with qtbot.waitExposed(app_window):  # a context manager: called alone it waits for nothing
            app_window.show()

        _click_toggle(qtbot, window)
        qtbot.waitUntil(lambda: rt.highlight.enabled)
        receipt = window.remote_bar.receipt
        qtbot.waitUntil(lambda: "the application highlights its updates" in receipt.text())
        inst.dispatch("rename", "Grace")
        qtbot.waitUntil(lambda: label.text() == "Shop of Grace" and bool(_flashes_over(label)))
        assert _covers(_flashes_over(label)[0], label)
        qtbot.waitUntil(lambda: not app_window.findChildren(FlashOverlay))

        _click_toggle(qtbot, window)
        qtbot.waitUntil(lambda: not rt.highlight.enabled)
        qtbot.waitUntil(lambda: "the application stopped highlighting" in receipt.text())
        inst.dispatch("rename", "Ada")
        qtbot.waitUntil(lambda: label.text() == "Shop of Ada")
        assert not app_window.findChildren(FlashOverlay)
        ui.close()
