"""A user controls an attached runtime from its devtools window: receipts first, effects only from the stream."""

from __future__ import annotations

import pytest
from devtools_support import attached_window, click_row, table_rows
from PySide6.QtCore import Qt


@pytest.fixture
def attached(qtbot, aio):
    """A runtime with an inspector (the remote application) and a devtools window attached to it over TCP."""
    with attached_window(qtbot, aio) as (rt, inst, window, _session):
        yield rt, inst, window


def click(qtbot, window, action):
    button = window.remote_bar.widgetForAction(action)
    assert button is not None and button.isVisible() and button.isEnabled(), action.text()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def receipt(window) -> str:
    return window.remote_bar.receipt.text()


def type_into(qtbot, widget, text):
    widget.clear()
    qtbot.keyClicks(widget, text)


def test_dispatch_dialog_checks_the_json_then_the_receipt_waits_for_the_commit(qtbot, attached):
    rt, inst, window = attached
    bar = window.remote_bar
    click(qtbot, window, bar.dispatch_action)
    dialog = bar.dialog
    qtbot.waitUntil(dialog.isVisible)
    type_into(qtbot, dialog.instance.lineEdit(), "shop#1")
    type_into(qtbot, dialog.action_type.lineEdit(), "add")
    qtbot.keyClicks(dialog.payload, "{5")
    assert "not valid JSON" in dialog.problem.text() and "line 1, column 2" in dialog.problem.text()
    assert not dialog.dispatch_button.isEnabled()
    dialog.payload.clear()
    qtbot.keyClicks(dialog.payload, "5")
    assert dialog.problem.text() == "" and dialog.dispatch_button.isEnabled()
    qtbot.mouseClick(dialog.dispatch_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()

    qtbot.waitUntil(lambda: "committed" in receipt(window))
    assert receipt(window) == "dispatch add → shop#1: accepted (command #1) · committed shop#1::t2 (seen in the stream)"
    assert inst.get_state()["total"] == 7
    qtbot.waitUntil(lambda: any(c[3] == "add" and c[5] == "t2" for c in table_rows(window)))

    # a command the runtime refuses: its reason, in red, and nothing happens there
    click(qtbot, window, bar.dispatch_action)
    dialog = bar.dialog
    type_into(qtbot, dialog.instance.lineEdit(), "shop#1")
    type_into(qtbot, dialog.action_type.lineEdit(), "fly")
    qtbot.mouseClick(dialog.dispatch_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "refused" in receipt(window))
    assert receipt(window).startswith("dispatch fly → shop#1: refused — module 'shop' has no reducer for action 'fly'")
    assert "d64545" in bar.receipt.styleSheet()
    assert inst.history[-1].txn_id == "shop#1::t2"


def test_a_paused_stream_never_claims_the_effect_it_did_not_show(qtbot, attached):
    rt, inst, window = attached
    bar = window.remote_bar
    bar.tracker.effect_timeout_s = 1.0  # shorter than the default 10 s, so the test does not wait that long
    click(qtbot, window, bar.pause_action)
    qtbot.waitUntil(lambda: "the stream is paused" in receipt(window))
    assert receipt(window) == "pause: accepted (command #1) · the stream is paused"
    assert bar.widgetForAction(bar.resume_action).isVisible()
    assert not bar.widgetForAction(bar.pause_action).isVisible()

    task = bar.dispatch("shop#1", "add", 5)
    qtbot.waitUntil(lambda: inst.get_state()["total"] == 7)  # the application did it ...
    qtbot.waitUntil(task.done)
    # ... but this viewer is paused: accepted, and no effect claimed
    assert receipt(window) == "dispatch add → shop#1: accepted (command #2) · waiting for its effect in the stream"
    assert not any(c[3] == "add" for c in table_rows(window))
    qtbot.waitUntil(lambda: "no effect seen" in receipt(window))
    assert receipt(window).endswith("no effect seen in the stream within 1 s")

    click(qtbot, window, bar.resume_action)
    qtbot.waitUntil(lambda: "flowing again" in receipt(window))
    assert bar.widgetForAction(bar.pause_action).isVisible()
    inst.dispatch("rename", "Grace")  # the application goes on; the window sees it again
    qtbot.waitUntil(lambda: any(c[3] == "rename" for c in table_rows(window)))


def test_time_travel_before_a_selected_transaction_and_back_to_latest(qtbot, attached):
    rt, inst, window = attached
    bar = window.remote_bar
    inst.dispatch("rename", "Grace")
    inst.dispatch("add", 5)
    qtbot.waitUntil(lambda: any(c[2] == "state" and c[5] == "t3" for c in table_rows(window)))
    assert not bar.latest_action.isEnabled()
    click_row(qtbot, window, lambda c: c[2] == "state" and c[5] == "t3")
    click(qtbot, window, bar.before_action)
    qtbot.waitUntil(lambda: "now shows" in receipt(window))
    assert receipt(window) == ("time travel before shop#1::t3: accepted (command #1) · shop#1 now shows its state "
                               "before shop#1::t3 (committed as shop#1::t4)")
    assert inst.get_state()["total"] == 2 and inst.get_state()["name"] == "Grace"
    qtbot.waitUntil(lambda: window.mode_label.text() == "SHOWING THE PAST")
    assert window.inspector.banner.isVisible()

    click(qtbot, window, bar.latest_action)
    qtbot.waitUntil(lambda: window.mode_label.text() == "LIVE")
    assert receipt(window) == ("back to latest (shop#1::t3): accepted (command #2) · shop#1 now shows its state "
                               "after shop#1::t3 (committed as shop#1::t5)")
    assert inst.get_state()["total"] == 7


def test_clear_empties_the_view_once_the_runtime_cleared_its_buffer(qtbot, attached):
    rt, inst, window = attached
    bar = window.remote_bar
    inst.dispatch("add", 5)
    qtbot.waitUntil(lambda: any(c[3] == "add" for c in table_rows(window)))
    click(qtbot, window, bar.clear_action)
    qtbot.waitUntil(lambda: "cleared" in receipt(window))
    assert receipt(window) == "clear: accepted (command #1) · the runtime's event buffer was cleared"
    qtbot.waitUntil(lambda: table_rows(window) == [])
    inst.dispatch("rename", "Grace")
    qtbot.waitUntil(lambda: any(c[3] == "rename" for c in table_rows(window)))
    click_row(qtbot, window, lambda c: c[2] == "state")
    assert "name, title" in window.inspector.summary_text()  # dirty ids still map to paths after the clear


def test_a_command_without_a_connection_says_so(qtbot, attached):
    rt, inst, window = attached
    if not rt.disposed:
        rt.dispose()
    qtbot.waitUntil(lambda: "reconnecting" in window.attach_label.text())
    click(qtbot, window, window.remote_bar.pause_action)
    qtbot.waitUntil(lambda: "no answer" in receipt(window))
    assert receipt(window) == "pause: no answer — not connected"


def pick(qtbot, combo, text):
    """Open the combo's list and click the item `text`, as a user chooses from it."""
    combo.showPopup()
    view = combo.view()
    row = [combo.itemText(i) for i in range(combo.count())].index(text)
    index = view.model().index(row, 0)
    qtbot.waitUntil(view.isVisible)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(index).center())
    qtbot.waitUntil(lambda: combo.currentText() == text and not view.isVisible())  # the list closed again


def test_the_window_shows_the_remote_diagnostics_level(qtbot, attached):
    rt, inst, window = attached
    qtbot.waitUntil(lambda: "diagnostics full" in window.detail_label.text())
    assert "?" not in window.detail_label.text()


def open_dispatch(qtbot, window):
    """Click Dispatch… and choose the shop's instance from the list; returns the dialog."""
    click(qtbot, window, window.remote_bar.dispatch_action)
    dialog = window.remote_bar.dialog
    qtbot.waitUntil(dialog.isVisible)
    pick(qtbot, dialog.instance, "shop#1")
    return dialog


def test_dispatch_offers_the_modules_reducers_and_still_takes_a_typed_one(qtbot, attached):
    rt, inst, window = attached
    dialog = open_dispatch(qtbot, window)
    # nothing was dispatched yet: the list comes from the remote runtime's HELLO
    assert [dialog.action_type.itemText(i) for i in range(dialog.action_type.count())] == ["add", "rename", "tag"]
    pick(qtbot, dialog.action_type, "rename")
    qtbot.keyClicks(dialog.payload, '"Grace"')
    assert dialog.dispatch_button.isEnabled()
    qtbot.mouseClick(dialog.dispatch_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    qtbot.waitUntil(lambda: inst.get_state()["name"] == "Grace")

    dialog = open_dispatch(qtbot, window)
    type_into(qtbot, dialog.action_type.lineEdit(), "fly")
    assert dialog.problem.text().startswith("'fly' is not among the reducers listed (add, rename, tag)")
    assert dialog.dispatch_button.isEnabled()  # the runtime is the judge
    qtbot.mouseClick(dialog.dispatch_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    qtbot.waitUntil(lambda: "refused" in receipt(window))  # a round trip to the inspected process


def test_dispatch_shows_the_declared_payload_type_and_checks_it_before_sending(qtbot, attached):
    rt, inst, window = attached
    dialog = open_dispatch(qtbot, window)
    pick(qtbot, dialog.action_type, "add")
    assert dialog.expects.text() == "int"  # from the remote runtime's HELLO
    qtbot.keyClicks(dialog.payload, '"five"')
    assert dialog.problem.text() == "The payload does not fit add: at the payload: expected int, got 'five'."
    assert not dialog.dispatch_button.isEnabled()
    dialog.payload.clear()
    qtbot.keyClicks(dialog.payload, "5")
    assert dialog.problem.text() == "" and dialog.dispatch_button.isEnabled()
    pick(qtbot, dialog.action_type, "rename")
    assert dialog.expects.text() == "any payload (not declared)"
    dialog.reject()

    # a client that skips the check (or an older viewer) is refused by the runtime, with the reason
    bar = window.remote_bar
    bar.dispatch("shop#1", "add", "five")
    qtbot.waitUntil(lambda: "refused" in receipt(window))
    assert receipt(window) == ("dispatch add → shop#1: refused — action 'add' of module 'shop' expects int; "
                               "got 'five' (at the payload: expected int, got 'five')")
    assert inst.get_state()["items"] == [{"price": 2}]



def test_the_receipt_stays_on_the_newest_command_when_an_older_one_settles_later(qtbot, attached):
    rt, inst, window = attached
    bar = window.remote_bar
    bar.tracker.effect_timeout_s = 1.0
    click(qtbot, window, bar.pause_action)
    qtbot.waitUntil(lambda: "the stream is paused" in receipt(window))
    older = bar.dispatch("shop#1", "add", 5)  # accepted; its effect cannot show while this viewer is paused
    qtbot.waitUntil(older.done)
    newer = bar.dispatch("shop#1", "fly", None)
    qtbot.waitUntil(newer.done)
    assert receipt(window).startswith("dispatch fly → shop#1: refused — module 'shop' has no reducer for action 'fly'")
    qtbot.waitUntil(lambda: "no effect seen" in bar.receipt.toolTip())  # the older one settled ...
    assert receipt(window).startswith("dispatch fly → shop#1: refused")  # ... and the label still shows the newer
