"""`tickscope attach`'s window: a runtime seen through its inspector fills the same panes as a local one."""

from __future__ import annotations

from devtools_support import attached_window, run, table_rows


def test_attached_window_shows_remote_events_and_round_trips_a_dispatch(qtbot, aio):
    with attached_window(qtbot, aio) as (rt, inst, window, session):
        qtbot.addWidget(window)
        inst.dispatch("rename", "Grace")  # the remote application at work
        qtbot.waitUntil(lambda: any(c[3] == "rename" for c in table_rows(window)))
        assert window.sidebar.model.index_of("instance", "remote", "shop", "shop#1") is not None

        ack = run(qtbot, aio, session.dispatch("shop#1", "add", 5))  # the devtools at work, over the wire
        assert ack.accepted
        qtbot.waitUntil(lambda: any(c[3] == "add" for c in table_rows(window)))
        assert inst.get_state()["total"] == 7

        refused = run(qtbot, aio, session.dispatch("shop#1", "fly"))
        assert not refused.accepted and "no reducer for action 'fly'" in refused.reason
        assert "attached" in window.attach_label.text()
        assert window.windowTitle() == f"tickscope — attached: {session.address}"

        rt.dispose()  # the remote process goes away: the window says so instead of freezing silently
        qtbot.waitUntil(lambda: "reconnecting" in window.attach_label.text())
        assert any(c[3] == "add" for c in table_rows(window))  # what was seen stays
