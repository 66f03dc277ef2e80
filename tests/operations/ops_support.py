"""Helpers shared by the operation tests: the shipped event schema check, task accounting, polling waits."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import jsonschema
from runtime import Runtime
from runtime.operations import Budget

ROOT = Path(__file__).resolve().parents[2]
OPERATION_SCHEMA = json.loads((ROOT / "resources" / "schemas" / "operation-event-meta.schema.json").read_text())
_VALIDATOR = jsonschema.Draft202012Validator(OPERATION_SCHEMA)

FAST = Budget(accept=2.0, committed=3.0, observed=4.0, ready=4.0)


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


async def wait_until(predicate, timeout_s: float = 5.0, what: str = "condition") -> None:
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout_s
    while not predicate():
        if loop.time() > end:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)


