"""Fixtures for operation tests: a real loopback backend, a runtime with a tracker on it, and the guards every test
gets: the shipped operation event schema holds for every exported event, and no task is left running."""

from __future__ import annotations

import pytest
import pytest_asyncio
from ops_support import FAST, assert_operation_events_valid, settle_tasks

from devtools.demo.backend import BackendServer
from runtime import Runtime
from runtime.operations import OperationTracker
from runtime.operations.http import HttpTransport


@pytest_asyncio.fixture
async def backend():
    server = BackendServer()
    await server.start()
    try:
        yield server
    finally:
        await server.stop()
        left = await settle_tasks()
        assert not left, f"tasks left running after the backend stopped: {left}"


@pytest_asyncio.fixture
async def runtime_ops(backend):
    """(runtime at diagnostics light, tracker on the backend). Closed after the test; no task may survive."""
    rt = Runtime(label="ops-test", diagnostics="light", buffer_size=20_000)
    tracker = OperationTracker(rt, HttpTransport(backend.base_url), budget=FAST, late_grace_s=3.0)
    try:
        yield rt, tracker
    finally:
        await tracker.aclose()
        assert not tracker.pending(), "operations left pending after disposal"
        assert not tracker.running_tasks()
        assert_operation_events_valid(rt)
        rt.dispose()
