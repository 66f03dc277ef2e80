"""The attached process restarts with a new token: the window stays, with everything it received, says it is
disconnected, takes the new token, and shows the new run as a run of its own beside the old one."""

from __future__ import annotations

from devtools_support import run, shop_module, table_rows
from PySide6.QtCore import Qt

from devtools.app.remote_session import RemoteSession
from devtools.commands.attach import show_attached
from devtools.host import DevtoolsHost, application
from devtools.model.event_feed import EventFeed
from devtools.state import DEFAULT_SETTINGS
from runtime import Runtime
from runtime.inspect import InspectClient, InspectConfig
from runtime.trace import load_trace


def app_process(port: int, token: str) -> Runtime:
    """The inspected application (started again on the same port by a restart)."""
    return Runtime(label="remote", diagnostics="full",
                   inspect=InspectConfig(port=port, token=token, announce=False))


def labels(window) -> list[str]:
    return [cells[3] for cells in table_rows(window)]


def runs_listed(window) -> list[str]:
    combo = window.remote_bar.run_list
    return [combo.itemText(i) for i in range(combo.count())]


def test_a_restart_with_a_new_token_keeps_the_window_and_adds_a_run(qtbot, aio, tmp_path):
    first = app_process(0, "first")
    host_name, port = first.inspector.address
    shop = first.mount(shop_module())
    for price in (1, 2, 3):
        shop.dispatch("add", price)
    first_run = first.inspector.run_id
    client = InspectClient(host_name, port, "first", retry_delay=0.05, wait_for_token=True)  # as `attach` makes it
    run(qtbot, aio, client.connect())
    session = RemoteSession(client, EventFeed())
    host = DevtoolsHost(application(), settings=dict(DEFAULT_SETTINGS))
    window = show_attached(host, session)  # the host closes and deletes it (host.shutdown below), not qtbot
    pump = aio.create_task(session.run())
    second: Runtime | None = None
    try:
        qtbot.waitUntil(lambda: labels(window).count("add") == 3)
        bar = window.remote_bar

        first.dispose()  # the process ends ... and starts again with a token of its own
        second = app_process(port, "second")
        second.mount(shop_module()).dispatch("rename", "Grace")
        qtbot.waitUntil(lambda: "the token was refused" in window.attach_label.text())
        assert window.attach_label.text().startswith(f"{host_name}:{port} run {first_run} — disconnected")
        assert window.isVisible() and labels(window).count("add") == 3  # everything received is still there
        assert bar.token_edit.isVisible()
        assert window.mode_label.text() == "DISCONNECTED"
        (only,) = runs_listed(window)
        assert only == f"run 1 · {first_run} · {len(session.feed.store)} events · disconnected"

        export = tmp_path / "while-disconnected.evidence.json"  # export works while disconnected
        assert run(qtbot, aio, _export(window, export)) > 0
        kept = load_trace(export)
        assert [kept.label_of(r) for r in range(len(kept))].count("add") == 3

        qtbot.keyClicks(bar.token_edit, "second")
        qtbot.keyClick(bar.token_edit, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: "rename" in labels(window))
        second_run = second.inspector.run_id
        assert window.attach_label.text() == f"{host_name}:{port} run {second_run} — attached"
        assert not bar.token_edit.isVisible() and window.mode_label.text() == "LIVE"
        assert "add" not in labels(window)  # the new run on its own, its times its own
        listed = runs_listed(window)
        assert len(listed) == 2 and bar.run_list.currentIndex() == 1
        assert listed[0].startswith(f"run 1 · {first_run} · ") and listed[0].endswith(" · ended")
        assert listed[1].startswith(f"run 2 · {second_run} · ") and listed[1].endswith(" · live")

        bar.run_list.showPopup()  # the user picks the first run again: all of it is there
        view = bar.run_list.view()
        qtbot.waitUntil(view.isVisible)
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton,
                         pos=view.visualRect(view.model().index(0, 0)).center())
        qtbot.waitUntil(lambda: labels(window).count("add") == 3)
        assert "rename" not in labels(window)
        assert window.attach_label.text().endswith(" — attached · showing run 1 of 2")
        second.instance("shop#1").dispatch("tag", "new")  # the live run goes on growing out of sight
        qtbot.waitUntil(lambda: "tag" in live_run_labels(session))
        assert "tag" not in labels(window)
    finally:
        run(qtbot, aio, session.close())
        qtbot.waitUntil(pump.done)
        run(qtbot, aio, host.shutdown())
        for rt in (first, second):
            if rt is not None and not rt.disposed:
                rt.dispose()


def live_run_labels(session: RemoteSession) -> list[str]:
    store = session.live_run.store
    return [store.label_of(r) for r in range(len(store))]


async def _export(window, path) -> int:
    return await window.export(str(path), "evidence")
