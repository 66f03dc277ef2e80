"""The README's Qt application and its pytest-qt test run as written: the app code becomes module `counter_app`,
then its test runs with the real qtbot and qt_loop fixtures."""

from __future__ import annotations

import re
import sys
import types
from pathlib import Path

import pytest
from pytestqt.exceptions import TimeoutError  # noqa: A004  (pytest-qt's name for it)
from pytestqt.qtbot import QtBot

README = Path(__file__).resolve().parents[2] / "README.md"


def blocks() -> tuple[str, str]:
    section = README.read_text(encoding="utf-8").split("## A Qt application with the adapter", 1)[1]
    section = section.split("\n## ", 1)[0]
    app, test = re.findall(r"```python\n(.*?)```", section, re.S)
    return app, test


def test_the_readme_qt_application_passes_its_own_test(qtbot, qt_loop, monkeypatch):
    app_code, test_code = blocks()
    assert "qt.bind(" in app_code and "qt.connect(" in app_code and "qt.bind_busy(" in app_code
    module = types.ModuleType("counter_app")
    exec(compile(app_code, "README.md:counter_app", "exec"), module.__dict__)
    monkeypatch.setitem(sys.modules, "counter_app", module)
    scope: dict = {}
    exec(compile(test_code, "README.md:test_counter_app", "exec"), scope)
    tests = [v for k, v in scope.items() if k.startswith("test_")]
    assert len(tests) == 1
    tests[0](qtbot, qt_loop)


def test_the_readme_test_fails_when_the_app_is_broken(request, qt_loop, monkeypatch):
    """The README's test is not a test that cannot fail: with the busy binding taken out it fails, in pytest-qt's
    own qtbot as a user runs it (its 5 s waits, not this suite's patient ones: tests/devtools/conftest.py)."""
    qtbot = QtBot(request)
    app_code, test_code = blocks()
    broken = app_code.replace("    qt.bind_busy(", "    (lambda *a, **k: None)(")
    module = types.ModuleType("counter_app")
    exec(compile(broken, "README.md:counter_app", "exec"), module.__dict__)
    monkeypatch.setitem(sys.modules, "counter_app", module)
    scope: dict = {}
    exec(compile(test_code, "README.md:test_counter_app", "exec"), scope)
    test = next(v for k, v in scope.items() if k.startswith("test_"))
    with pytest.raises(TimeoutError, match="waitUntil"):  # pytest-qt's own TimeoutError: the button never went busy
        test(qtbot, qt_loop)
