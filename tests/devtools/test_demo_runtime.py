"""The demo application's runtime part, driven headless on asyncio (no Qt)."""

from __future__ import annotations

import asyncio

import pytest

from devtools.demo import build_demo, run_demo, sensor_sample
from runtime import Runtime


@pytest.mark.asyncio
async def test_the_demo_drives_every_part_and_leaves_no_task_behind():
    rt = Runtime(label="demo", diagnostics="light")
    before = asyncio.all_tasks()
    app = await run_demo(rt, 0.6)
    assert asyncio.all_tasks() == before
    assert set(app.instances) == {"form", "sensor", "todos"}
    assert all(inst.txn_seq > 1 for inst in app.instances.values())
    sensor = app["sensor"].get_state()
    n = sensor["samples"]
    assert sensor["history"] == [sensor_sample(i) for i in range(max(0, n - 120), n)]  # fed in order, none lost
    assert sensor["stats"]["max"] == max(sensor["history"])
    form = app["form"].get_state()
    assert form["full_name"] == f"{form['customer']['first']} {form['customer']['last']}".strip()
    assert form["total"] == round(form["subtotal"] * (1 - form["discount"]), 2)
    kinds = {(e["kind"], e["label"]) for e in rt.hub.events()}
    assert ("state", "state:update") in kinds and ("trait:converge", "trace:trait:converge") in kinds


@pytest.mark.asyncio
async def test_without_seconds_the_demo_runs_until_stopped():
    rt = Runtime(label="demo", diagnostics="off")
    stop = asyncio.Event()
    task = asyncio.create_task(run_demo(rt, None, stop=stop))
    await asyncio.sleep(0.2)
    assert not task.done()
    stop.set()
    app = await asyncio.wait_for(task, 5)
    assert app["sensor"].txn_seq > 1
    assert build_demo(rt) is app  # one demo per runtime


def test_checks_in_the_demo_form_report_what_is_wrong():
    rt = Runtime(diagnostics="off")
    form = build_demo(rt)["form"]
    form.dispatch("set_customer", {"field": "email", "value": "not-an-email"})
    form.dispatch("set_customer", {"field": "age", "value": 12})
    errors = form.get_state()["errors"]
    assert errors["customer"] == {"email": "not an email address", "age": "must be between 18 and 120"}
    form.dispatch("remove_item", 0)
    assert form.get_state()["errors"]["items"] == "add at least one item"
