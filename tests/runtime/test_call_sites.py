"""Where a dispatch came from: at diagnostics level full every entry point records its caller's frames (this file's
lines, not the runtime's); at light and off no frame is walked and no event carries a call site."""

from __future__ import annotations

import asyncio
import sys
import threading
from pathlib import Path

import orjson
import pytest

from runtime import Module, Runtime, external_store, value_store
from runtime.actions import ActionCoordinator, action
from runtime.inspect.control import prepare
from runtime.inspect.protocol import Control
from runtime.trace import TraceWriter

counter = Module("counter", initial={"n": 0, "runs": {}})


@counter.reducer("inc")
def inc(draft, by):
    draft["n"] += by


def _sites(rt: Runtime, label: str) -> list[dict | None]:
    return [(e.get("meta") or {}).get("callSite") for e in rt.hub.events() if e["label"] == label]


def _line_of(marker: str) -> int:
    lines = Path(__file__).read_text().splitlines()
    return next(i for i, text in enumerate(lines, 1) if marker in text and "_line_of" not in text)


def press_add(inst):
    return inst.dispatch("inc", 1)  # the dispatch line


def test_a_dispatch_at_full_names_this_file_line_and_function_first():
    rt = Runtime(diagnostics="full")
    inst = rt.mount(counter)
    press_add(inst)
    action_site, update_site = _sites(rt, "inc")[-1], _sites(rt, "state:update")[-1]
    assert action_site == update_site  # one walk serves the action event and its transaction
    assert action_site is not None
    assert (action_site["file"], action_site["line"], action_site["function"]) == \
        (__file__, _line_of("# the dispatch line"), "press_add")
    callers = [f["function"] for f in action_site["frames"]]
    assert callers[:2] == ["press_add", "test_a_dispatch_at_full_names_this_file_line_and_function_first"]
    files = {f["file"] for f in action_site["frames"]}
    assert files == {__file__}  # no runtime frame, no pytest frame: only the user's
    rt.dispose()


@pytest.mark.parametrize("level", ["off", "light", "sampled"])
def test_below_full_no_frame_is_walked_and_nothing_is_recorded(level):
    rt = Runtime(diagnostics=level)
    inst = rt.mount(counter)
    walked: list[object] = []

    def profile(frame, event, arg):  # a walk starts from the current frame: catch every call that could give it
        name = getattr(arg, "__name__", "") if event == "c_call" else frame.f_code.co_name
        if name in ("_getframe", "currentframe", "capture"):
            walked.append(name)

    sys.setprofile(profile)
    try:
        press_add(inst)
        inst.set_state({"n": 5, "runs": {}})
    finally:
        sys.setprofile(None)
    assert walked == []
    assert rt.sink.call_sites.walks == 0
    assert all(e.get("meta") is None or "callSite" not in e["meta"] for e in rt.hub.events())
    rt.set_diagnostics("full")  # the probe does see a walk: the same calls at full make one each
    sys.setprofile(profile)
    try:
        press_add(inst)
    finally:
        sys.setprofile(None)
    assert "_getframe" in walked and rt.sink.call_sites.walks == 1
    rt.dispose()


def test_the_limit_bounds_the_frames_and_zero_records_none():
    rt = Runtime(diagnostics="full", call_site_limit=2)
    inst = rt.mount(counter)

    def deep(n):
        return press_add(inst) if n == 0 else deep(n - 1)

    deep(5)
    site = _sites(rt, "inc")[-1]
    assert site is not None
    assert [f["function"].rsplit(".", 1)[-1] for f in site["frames"]] == ["press_add", "deep"]
    assert site["truncated"] is True
    rt.sink.call_sites.set_limit(0)
    walks = rt.sink.call_sites.walks
    press_add(inst)
    assert _sites(rt, "inc")[-1] is None
    assert rt.sink.call_sites.walks == walks
    with pytest.raises(ValueError, match="call site limit must be an integer >= 0, not -1"):
        rt.sink.call_sites.set_limit(-1)
    rt.dispose()


def test_an_action_trigger_records_the_line_that_triggered_it_on_every_write_of_the_run():
    async def work(ctx, step):
        await asyncio.sleep(0)
        return step

    add = action("add", work, on_success=lambda draft, step: draft.__setitem__("n", draft["n"] + step))

    async def main():
        rt = Runtime(diagnostics="full")
        inst = rt.mount(counter)
        actions = ActionCoordinator(inst)
        run = actions.trigger(add, 2)  # the trigger line
        await run.settled()
        return rt

    rt = asyncio.run(main())
    sites = [s for s in _sites(rt, "state:update") if s is not None and s["function"].endswith(".main")]
    assert len(sites) >= 2  # pending and the result
    assert {(s["file"], s["line"]) for s in sites} == {(__file__, _line_of("# the trigger line"))}
    rt.dispose()


def test_an_external_store_write_records_where_the_store_was_set():
    sensor = value_store(0.0)
    gauge = Module("gauge", {"reading": 0.0}, fields=[external_store("reading", sensor)])
    rt = Runtime(diagnostics="full")
    inst = rt.mount(gauge)
    sensor.set(0.7)  # the store write line
    assert inst.get_state()["reading"] == 0.7
    site = _sites(rt, "state:update")[-1]
    assert site is not None
    assert (site["file"], site["line"]) == (__file__, _line_of("# the store write line"))
    rt.dispose()


def test_a_recorded_trace_carries_the_call_site(tmp_path, check_trace):
    rt = Runtime(diagnostics="full")
    path = tmp_path / "t.jsonl"
    writer = TraceWriter(path).attach(rt.hub)
    inst = rt.mount(counter)
    press_add(inst)
    writer.close()
    rt.dispose()
    records = [orjson.loads(line) for line in path.read_bytes().splitlines()[1:]]
    sites = [r["payload"]["meta"]["callSite"] for r in records
             if r.get("type") == "debug:event" and "callSite" in (r["payload"].get("meta") or {})]
    assert sites and sites[0]["function"] == "press_add"
    code, report = check_trace(path)
    assert code == 0, report


def test_a_command_run_by_tickscope_alone_keeps_its_own_frames():
    """An inspector's dispatch runs from the runtime's own code (here on a thread of its own, as on the loop of a
    devtools): no user frame, so the call site names the inspector's command instead of nothing."""
    rt = Runtime(diagnostics="full")
    inst = rt.mount(counter)
    apply = prepare(rt, Control(1, "dispatch", None, instance_id=inst.instance_id, action_type="inc", payload=1))
    worker = threading.Thread(target=apply)
    worker.start()
    worker.join()
    site = _sites(rt, "inc")[-1]
    assert site is not None
    assert site["file"].endswith(str(Path("runtime", "inspect", "control.py")))
    assert site["function"] == "prepare.<locals>.dispatch"
    rt.dispose()
