"""The shared ending of the Qt benchmarks (bench/ui.py, bench/e2e.py): run `main` on a qasync loop, print and keep
its report, the exit code from its checks."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Coroutine
from typing import Any

import orjson
import qasync
from PySide6.QtWidgets import QApplication

__all__ = ["run_qt_bench"]


def run_qt_bench(main: Callable[[argparse.Namespace], Coroutine[Any, Any, dict[str, Any]]],
                 args: argparse.Namespace) -> int:
    """Run `main(args)` on a qasync loop, print its report as JSON and write it to `args.json` (when given); the exit
    code: 0 when every check is ok."""
    app = QApplication.instance() or QApplication([])
    app.setQuitOnLastWindowClosed(False)  # the benchmarks open and close windows; main() returning ends it
    out = qasync.run(main(args))
    text = orjson.dumps(out, option=orjson.OPT_INDENT_2).decode()
    print(text)
    if args.json:
        args.json.write_text(text)
    del app
    return 0 if all(c["ok"] for c in out["checks"]) else 1
