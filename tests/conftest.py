"""Shared test setup. Qt fixtures live in tests/devtools/conftest.py so runtime tests never import Qt."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from schema_check import run as check_against_schemas

# The loopback backend and operation fixtures (backend, runtime_ops) for tests/operations and tests/runtime.
pytest_plugins = ["ops_support"]

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before any Qt import


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "needs_qt(reason): the test needs Qt; the headless run (.ci/headless.py) leaves it out and says so")
    config.addinivalue_line(
        "markers", "listener_may_throw: a topic listener raises on purpose (runtime_store::listener_threw)")


class _ListenerErrors(logging.Handler):
    """Keeps the runtime_store::listener_threw reports the runtime logs (the sink logs every error diagnostic)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.reports: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if message.startswith("runtime_store::listener_threw"):
            self.reports.append(message)


@pytest.fixture(autouse=True)
def no_listener_threw(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fail a test in which a topic listener raised, unless it says it expects that: the store catches what a
    listener raises (the other listeners still run), so an assert in a listener, or a listener's bug, would pass
    unseen."""
    handler = _ListenerErrors()
    logger = logging.getLogger("tickscope")
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)
    if handler.reports and request.node.get_closest_marker("listener_may_throw") is None:
        pytest.fail("a topic listener raised (the store caught it):\n" + "\n".join(handler.reports), pytrace=False)


@pytest.fixture
def check_trace():
    """Check a trace or evidence package against the project's schemas (tests/schema_check.py): `run(path,
    *required_kinds)` returns (exit code, report): 0 when it passes, 1 when it does not, 2 when it is unreadable."""

    def run(path: Path, *require: str) -> tuple[int, str]:
        return check_against_schemas(path, *require)

    return run
