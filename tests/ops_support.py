"""Shared by the operation, action and source tests: the real loopback backend fixture, a runtime with a tracker,
the shipped operation event schema check, task accounting and polling waits.

Test modules outside tests/operations import the fixtures they use from here (`from ops_support import backend`)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import jsonschema
import pytest_asyncio

from devtools.demo.backend import BackendServer
from runtime import Module, ModuleInstance, Runtime
from runtime.actions import ActionCoordinator
from runtime.operations import Budget, OperationTracker
from runtime.operations.http import HttpTransport

ROOT = Path(__file__).resolve().parents[1]
OPERATION_SCHEMA = json.loads((ROOT / "resources" / "schemas" / "operation-event-meta.schema.json").read_text())
_VALIDATOR = jsonschema.Draft202012Validator(OPERATION_SCHEMA)

FAST = Budget(accept=2.0, committed=3.0, observed=4.0, ready=4.0)


def with_actions(module: Module) -> tuple[Runtime, ModuleInstance, ActionCoordinator]:
    """A runtime at diagnostics light with `module` mounted and an action coordinator on it."""
    rt = Runtime(diagnostics="light")
    inst = rt.mount(module)
    return rt, inst, ActionCoordinator(inst)


def operation_events(rt: Runtime) -> list[dict]:
    return [e for e in rt.hub.events() if e["kind"] == "operation"]


def assert_operation_events_valid(rt: Runtime) -> list[dict]:
    events = operation_events(rt)
    for event in events:
        errors = sorted(_VALIDATOR.iter_errors(event["meta"]), key=str)
        assert not errors, f"{event['label']} meta breaks the shipped schema: {errors[0].message} in {event['meta']}"
        assert event["label"].startswith("operation:")
    return events


async def settle_tasks() -> set[asyncio.Task]:
    """Let cancelled tasks finish, then return the tasks still alive besides the caller."""
    for _ in range(20):
        await asyncio.sleep(0)
    return {t for t in asyncio.all_tasks() if t is not asyncio.current_task() and not t.done()}


async def wait_until(predicate, timeout_s: float = 60.0, what: str = "condition") -> None:
    """Let the loop run until `predicate()` holds; the limit is an upper bound only (a loaded machine is slow, never
    wrong), and a condition that never holds still fails."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout_s
    while not predicate():
        if loop.time() > end:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)




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
