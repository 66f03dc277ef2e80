"""`tickscope attach HOST:PORT --token T`: the devtools window on a runtime living in another process.

The remote stream feeds the same columnar event store a local live window reads (devtools.app.remote_session), so
every pane works unchanged; the window's context carries the session as `ctx.remote` for control commands
(dispatch, time travel, pause, resume, clear), which its Remote control toolbar sends (devtools.views.remote_bar).
The status bar says where it is attached, and when it is reconnecting. A process that restarts with a new token
leaves the window open and disconnected, with all it received, until the new token is typed into the toolbar or
found in `--token-file`; each run of the process is kept in the run list. Qt is imported only when the command runs.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from typing import TYPE_CHECKING

from .gui import add_display_options, qt_application, save_screenshot
from .tail import add_connection_options, client_from_args

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication

    from runtime.inspect import InspectClient

    from ..app.remote_session import RemoteSession
    from ..host import DevtoolsHost
    from ..views.main_window import MainWindow

__all__ = ["add", "run", "show_attached"]


def add(parser: argparse.ArgumentParser) -> None:
    add_connection_options(parser)
    add_display_options(parser)


def run(args: argparse.Namespace) -> int:
    if args.exit_after is not None and args.exit_after < 0:
        print(f"tickscope attach: --exit-after must be >= 0, not {args.exit_after}", file=sys.stderr)
        return 2
    try:
        client = client_from_args(args, wait_for_token=True)
    except ValueError as err:
        print(f"tickscope attach: {err}", file=sys.stderr)
        return 2
    app = qt_application("tickscope attach", args.screenshot)
    if app is None:
        return 1
    import qasync

    return int(qasync.run(_main(app, client, args.screenshot, args.exit_after, args.size)))


def show_attached(host: DevtoolsHost, session: RemoteSession) -> MainWindow:
    """Open a devtools window on a RemoteSession; its status bar follows the connection (attached, reconnecting,
    new run, events lost), its Remote control toolbar sends commands (devtools.views.remote_bar)."""
    from PySide6.QtWidgets import QLabel

    from ..app.contexts import remote_context
    from ..views.highlight_toggle import add_highlight_toggle
    from ..views.remote_bar import RemoteControlBar

    window = host.show(remote_context(session, host.settings), f"tickscope — attached: {session.address}")
    label = QLabel()
    label.setObjectName("attachStatus")
    window.statusBar().addPermanentWidget(label)
    window.attach_label = label
    window.remote_bar = RemoteControlBar(window, session)
    add_highlight_toggle(window)

    def show_status() -> None:
        label.setText(session.status())
        window.refresh_status()

    window.ctx.cleanups.append(session.subscribe(show_status))
    show_status()
    return window


async def _main(app: QApplication, client: InspectClient, screenshot: str | None, exit_after: float | None,
                size: tuple[int, int] | None = None) -> int:
    from runtime.inspect import InspectError

    from ..app.remote_session import RemoteSession
    from ..host import DevtoolsHost
    from ..model.event_feed import EventFeed

    host = DevtoolsHost(app)
    closed = asyncio.Event()
    app.lastWindowClosed.connect(closed.set)
    try:
        await client.connect()
    except InspectError as err:
        print(f"tickscope attach: {err.message} ({err.code})", file=sys.stderr)
        await client.close()
        return 1
    session = RemoteSession(client, EventFeed())
    window = show_attached(host, session)
    if size is not None:
        window.resize(*size)
    pump = asyncio.get_running_loop().create_task(session.run(), name="tickscope-attach")
    try:
        waiters = [asyncio.ensure_future(closed.wait()), pump]
        await asyncio.wait(waiters, timeout=exit_after, return_when=asyncio.FIRST_COMPLETED)
        waiters[0].cancel()
        if session.error is not None:
            print(f"tickscope attach: {session.error.message} ({session.error.code})", file=sys.stderr)
        if not save_screenshot(window, screenshot, "tickscope attach"):
            return 1
        return 1 if session.error is not None else 0
    finally:
        await session.close()
        with contextlib.suppress(asyncio.CancelledError):
            await pump
        await host.shutdown()
