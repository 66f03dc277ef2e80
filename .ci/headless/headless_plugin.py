"""The headless run's pytest plugin: checks that Qt really is blocked, leaves out the tests marked `needs_qt` and
says aloud which they are and why."""

from __future__ import annotations

import importlib

import pytest

_left_out: list[tuple[str, str]] = []


def pytest_configure(config: pytest.Config) -> None:
    if config.pluginmanager.has_plugin("pytest-qt") or config.pluginmanager.has_plugin("pytestqt.plugin"):
        raise pytest.UsageError("headless run: the pytest-qt plugin is loaded; it must be disabled")
    for name in ("PySide6", "shiboken6", "qasync", "pyqtgraph"):
        try:
            importlib.import_module(name)
        except ImportError:
            continue
        raise pytest.UsageError(f"headless run: {name} imports; the Qt blocker is not installed (see .ci/headless)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    kept, left_out = [], []
    for item in items:
        marker = item.get_closest_marker("needs_qt")
        if marker is None:
            kept.append(item)
        else:
            left_out.append(item)
            _left_out.append((item.nodeid, str(marker.kwargs.get("reason") or (marker.args or ("",))[0])))
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = kept


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    terminalreporter.section("headless run: tests left out because they need Qt")
    for nodeid, reason in _left_out:
        terminalreporter.write_line(f"{nodeid}: {reason or 'no reason given'}")
    count = f"{len(_left_out)} test{'' if len(_left_out) == 1 else 's'}"
    terminalreporter.write_line(f"headless: {count} left out (they need Qt); every other test ran with PySide6, "
                                "shiboken6, qasync and pyqtgraph blocked")
