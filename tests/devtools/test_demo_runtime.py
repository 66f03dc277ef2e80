"""The demo application's runtime part, driven headless on asyncio (no Qt)."""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

import pytest
from ops_support import wait_until

from devtools.demo import UnknownFault, build_demo, run_demo, sensor_sample
from runtime import Runtime


async def _refused(url: str) -> bool:
    parts = urlsplit(url)
    try:
        _reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    except OSError:
        return True
    writer.close()
    await writer.wait_closed()
    return False


@pytest.mark.asyncio
async def test_the_demo_drives_every_part_and_leaves_nothing_pending():
    rt = Runtime(label="demo", diagnostics="light", buffer_size=50_000)
    before = asyncio.all_tasks()
    app = await run_demo(rt, 1.5)
    assert asyncio.all_tasks() == before
    assert set(app.instances) == {"form", "sensor", "todos", "search", "dashboard"}
    assert all(inst.txn_seq > 1 for inst in app.instances.values())
    # nothing left pending: action runs of both coordinators, backend operations, source loads, the backend itself
    for key in ("form.actions", "todos.actions"):
        assert app.extras[key].pending() == [] and app.extras[key].running_tasks() == []
    tracker = app.extras["todos.tracker"]
    assert tracker.operations() and tracker.pending() == [] and tracker.running_tasks() == []
    assert await _refused(app.extras["todos.backend_url"])
    # the sensor was fed through its store, in order, none lost
    reading = app["sensor"].get_state()["reading"]
    n = reading["seq"]
    assert n >= 2  # fed more than once; how many times in 1.5 s depends on the machine, so that is not checked
    assert reading["history"] == [sensor_sample(i) for i in range(max(0, n - 120), n)]
    assert reading["value"] == sensor_sample(n - 1)
    assert app["sensor"].get_state()["stats"]["max"] == max(reading["history"])
    form = app["form"].get_state()
    assert form["full_name"] == f"{form['customer']['first']} {form['customer']['last']}".strip()
    assert form["total"] == round(form["subtotal"] * (1 - form["discount"]), 2)
    dashboard = app["dashboard"].get_state()
    assert dashboard["order_total"] == form["total"]  # the link kept up with the form
    assert dashboard["open_todos"] == app["todos"].get_state()["remaining"]  # module-as-source
    kinds = {(e["kind"], e["label"]) for e in rt.hub.events()}
    assert ("state", "state:update") in kinds and ("trait:converge", "trace:trait:converge") in kinds


@pytest.mark.asyncio
async def test_without_seconds_the_demo_runs_until_stopped():
    rt = Runtime(label="demo", diagnostics="off")
    stop = asyncio.Event()
    task = asyncio.create_task(run_demo(rt, None, stop=stop))
    # it runs: the sensor part has been fed at least twice ...
    await wait_until(lambda: task.done() or any(i.module_id == "sensor" and i.txn_seq > 2 for i in rt.instances()),
                     timeout_s=120, what="the demo's sensor to be fed")  # upper bounds: a loaded machine is slow
    assert not task.done()  # ... and it goes on until it is stopped
    stop.set()
    app = await asyncio.wait_for(task, 120)
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


def test_without_a_loop_the_sensor_device_still_reaches_its_module_and_the_dashboard_follows_links():
    rt = Runtime(diagnostics="light")
    app = build_demo(rt)
    device = app.extras["sensor.device"]
    for _ in range(3):
        device.push()
    sensor = app["sensor"]
    assert sensor.get_state()["reading"]["history"] == [sensor_sample(i) for i in range(3)]
    last = sensor.history[-1]
    assert (last.origin.kind, last.origin.name) == ("field-external-store", "reading")
    app["form"].dispatch("set_qty", {"index": 0, "qty": 4})
    assert app["dashboard"].get_state()["order_total"] == app["form"].get_state()["total"] == 18.0
    assert app["dashboard"].history[-1].origin.name == "set_order_total"


def test_fault_switches_refuse_unknown_names_and_non_bools():
    rt = Runtime(diagnostics="off")
    app = build_demo(rt)
    assert [s.name for s in app.fault_switches()] == ["fail_saves", "never_project", "slow_commit"]
    with pytest.raises(UnknownFault, match="no fault switch 'explode'.*fail_saves, never_project, slow_commit"):
        app.set_fault("explode", True)
    with pytest.raises(UnknownFault, match="with a bool"):
        app.set_fault("fail_saves", "yes")
    assert app.faults == {"fail_saves": False, "never_project": False, "slow_commit": False}
    app.set_fault("never_project", True)
    assert app.faults["never_project"] and app.manual_faults
