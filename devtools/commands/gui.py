"""`tickscope` with no subcommand: the devtools on the embedded demo (or on a trace file), on one qasync loop.

    tickscope                                   the devtools, live, on the embedded demo runtime, and the demo's own
                                                window (devtools.demo.window, on the Qt adapter; e2e tracing on)
    tickscope --screenshot out.png --exit-after 5 [--size 1024x700] [FILE]
                                                render the window after 5 s to out.png and exit (README picture,
                                                checks); with FILE, the replay of that trace instead of the demo
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from .display_check import display_problem

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication, QWidget

    from runtime import Runtime

__all__ = ["default_parser", "run_default", "run_gui", "add_display_options", "offscreen_without_display",
           "qt_application", "save_screenshot", "window_size", "WindowSize"]

WindowSize = tuple[int, int]
MIN_WINDOW_SIZE: WindowSize = (640, 480)


def offscreen_without_display() -> None:
    """Render offscreen when no screen is attached: a screenshot needs none (CI, README builds). Before Qt loads."""
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def qt_application(prog: str, screenshot: str | None) -> QApplication | None:
    """The QApplication of a command that opens a window (offscreen for a screenshot without a display), or None
    after saying on stderr why Qt cannot start here (no display, a missing library)."""
    if screenshot:
        offscreen_without_display()
    problem = display_problem()
    if problem is not None:
        print(f"{prog}: {problem}", file=sys.stderr)
        return None
    from ..host import application

    app = application()
    app.setQuitOnLastWindowClosed(False)  # the main coroutine ends the app, so nothing is left pending
    return app


def add_display_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--screenshot", metavar="PATH", help="save a PNG of the window before exiting")
    parser.add_argument("--exit-after", metavar="SECONDS", type=float,
                        help="close after this many seconds (with --screenshot: the moment of the picture)")
    parser.add_argument("--size", metavar="WxH", type=window_size,
                        help="open the window at this size, e.g. 1024x700 (screenshots at a chosen size)")


def window_size(text: str) -> WindowSize:
    """`1024x700` -> (1024, 700); argparse reports the ValueError's message as a usage error."""
    match = re.fullmatch(r"\s*(\d+)\s*[xX×]\s*(\d+)\s*", text)
    if match is None:
        raise argparse.ArgumentTypeError(f"window size must look like 1024x700, not {text!r}")
    width, height = int(match[1]), int(match[2])
    if width < MIN_WINDOW_SIZE[0] or height < MIN_WINDOW_SIZE[1]:
        raise argparse.ArgumentTypeError(f"window size {width}x{height} is below the smallest supported, "
                                         f"{MIN_WINDOW_SIZE[0]}x{MIN_WINDOW_SIZE[1]}")
    return width, height


def save_screenshot(window: QWidget, path: str | None, prog: str) -> bool:
    """Write the window to `path` as PNG when one was asked for and the window is still shown; False (after saying
    so on stderr) when it could not be written."""
    if not path or not window.isVisible():
        return True
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    if window.grab().save(path):
        return True
    print(f"{prog}: could not write {path}", file=sys.stderr)
    return False


def default_parser() -> argparse.ArgumentParser:
    """The arguments of `tickscope` without a subcommand (also shown by `tickscope --help`)."""
    parser = argparse.ArgumentParser(prog="tickscope", description="The tickscope devtools (live demo by default).")
    parser.add_argument("file", nargs="?", metavar="FILE",
                        help="a trace (.jsonl) or evidence package (.json) to replay instead of the live demo")
    add_display_options(parser)
    return parser


def run_default(argv: Sequence[str]) -> int:
    args = default_parser().parse_args(list(argv))
    return run_gui(args.file, screenshot=args.screenshot, exit_after=args.exit_after, size=args.size)


def run_gui(file: str | None = None, *, screenshot: str | None = None, exit_after: float | None = None,
            size: WindowSize | None = None) -> int:
    """Run the devtools until its windows close (or `exit_after` seconds); returns the exit code."""
    if exit_after is not None and exit_after < 0:
        print(f"tickscope: --exit-after must be >= 0, not {exit_after}", file=sys.stderr)
        return 2
    if file is not None and not Path(file).is_file():
        hint = "" if Path(file).suffix or "/" in file else " (nor a command: tickscope --help lists them)"
        print(f"tickscope: no such trace file: {file}{hint}", file=sys.stderr)
        return 2
    app = qt_application("tickscope", screenshot)
    if app is None:
        return 1
    import qasync

    return int(qasync.run(_main(app, file, screenshot, exit_after, size)))


async def _main(app: QApplication, file: str | None, screenshot: str | None, exit_after: float | None,
                size: WindowSize | None) -> int:
    from ..app.contexts import live_context
    from ..host import DevtoolsHost

    host = DevtoolsHost(app)
    closed = asyncio.Event()
    app.lastWindowClosed.connect(closed.set)
    rt: Runtime | None = None
    stop = asyncio.Event()
    demo_task: asyncio.Task[object] | None = None
    demo_windows: list[QWidget] = []
    try:
        if file is not None:
            window = await host.open_trace(file)
            if window is None:
                for problem in host.load_errors:
                    print(f"tickscope: {problem}", file=sys.stderr)
                return 1
        else:
            from runtime import E2EConfig, Runtime

            from ..demo import build_demo, run_demo
            from ..demo.window import open_demo_window
            from ..views.fault_switches import add_fault_switches

            settings = host.settings
            rt = Runtime(label="demo", diagnostics=settings["diagnostics"], buffer_size=settings["bufferSize"])
            rt.e2e.configure(E2EConfig(enabled=True, sample_rate=1.0))  # the demo shows every run's chain (092)
            ctx = live_context(rt, settings)
            demo = build_demo(rt)
            window = host.show_live(rt, ctx)
            add_fault_switches(window, demo)
            demo_task = asyncio.get_running_loop().create_task(
                run_demo(rt, None, stop=stop, on_started=lambda app_: demo_windows.append(open_demo_window(app_))),
                name="tickscope-demo")
        if size is not None:
            window.resize(*size)
        if exit_after is not None:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(exit_after):
                    await closed.wait()
        else:
            await closed.wait()
        return 0 if save_screenshot(window, screenshot, "tickscope") else 1
    finally:
        stop.set()
        if demo_task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await demo_task
        for demo_window in demo_windows:
            demo_window.close()  # its closeEvent ends its bindings and busy boundaries
            demo_window.deleteLater()
        await host.shutdown()
        if rt is not None:
            rt.dispose()
