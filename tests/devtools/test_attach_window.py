"""`tickscope attach`'s window: a runtime seen through its inspector fills the same panes as a local one."""

from __future__ import annotations

from devtools_support import shop_module, table_rows

from devtools.commands.attach import show_attached
from devtools.host import DevtoolsHost, application
from devtools.model.event_feed import EventFeed
from devtools.remote import RemoteSession
from devtools.state import DEFAULT_SETTINGS
from runtime import Runtime
from runtime.inspect import InspectConfig
from runtime.inspect.client import InspectClient


def run(qtbot, aio, coro):
    """Run a coroutine on the qasync loop while pytest-qt pumps Qt (pattern A); returns its result."""
    task = aio.create_task(coro)
    qtbot.waitUntil(task.done, timeout=10000)
    return task.result()


def test_attached_window_shows_remote_events_and_round_trips_a_dispatch(qtbot, aio):
    rt = Runtime(label="remote", diagnostics="full", inspect=InspectConfig(token="t0k", announce=False))
    inst = rt.mount(shop_module())
    client = InspectClient(*rt.inspector.address, "t0k", retry_delay=0.05)
    run(qtbot, aio, client.connect())
    session = RemoteSession(client, EventFeed())
    host = DevtoolsHost(application(), settings=dict(DEFAULT_SETTINGS))
    window = show_attached(host, session)
    qtbot.addWidget(window)
    pump = aio.create_task(session.run())
    try:
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
    finally:
        run(qtbot, aio, session.close())
        qtbot.waitUntil(pump.done)
        run(qtbot, aio, host.shutdown())
        if not rt.disposed:
            rt.dispose()
