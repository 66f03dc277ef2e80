"""Shared test setup. Qt fixtures live in tests/devtools/conftest.py so runtime tests never import Qt."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from schema_check import run as check_against_schemas

# The loopback backend and operation fixtures (backend, runtime_ops) for tests/operations and tests/runtime.
pytest_plugins = ["ops_support"]

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before any Qt import


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "needs_qt(reason): the test needs Qt; the headless run (.ci/headless.py) leaves it out and says so")


@pytest.fixture
def check_trace():
    """Check a trace or evidence package against the project's schemas (tests/schema_check.py): `run(path,
    *required_kinds)` returns (exit code, report): 0 when it passes, 1 when it does not, 2 when it is unreadable."""

    def run(path: Path, *require: str) -> tuple[int, str]:
        return check_against_schemas(path, *require)

    return run
