"""The demo's todo saves are optimistic: an added todo shows at once, and a save the backend fails takes it back
out of the list (against the demo's real loopback backend, switched by its fault switches)."""

from __future__ import annotations

import pytest
from typing import Any

from devtools.demo.core import DemoApp
from devtools.demo.parts.todos import PART, SAVE_TOGGLE, add_todo
from runtime import Runtime


def states_of(rt: Runtime, link_id: str) -> list[tuple[str, Any]]:
    """What a run did to its instance, in order: ("state", the committed state) per transaction and ("optimistic",
    the phase) per token event. Read from the debug events, so a backend that fails within a millisecond (the
    rollback lands before any poll could see the item) is still observed."""
    seen: list[tuple[str, Any]] = []
    for event in rt.hub.events():
        if event.get("linkId") != link_id:
            continue
        if event["label"] == "state:update":
            seen.append(("state", event["meta"]["state"]))
        elif event["label"] == "optimistic":
            seen.append(("optimistic", event["meta"]["phase"]))
    return seen


@pytest.mark.asyncio
async def test_an_added_todo_shows_at_once_and_a_failed_save_rolls_it_back():
    rt = Runtime(label="demo", diagnostics="light")
    app = DemoApp(rt)
    PART.mount(rt, app)
    assert PART.start is not None and PART.close is not None
    await PART.start(app)
    todos, actions = app["todos"], app.extras["todos.actions"]
    try:
        app.set_fault("fail_saves", True)
        todos.dispatch("set_draft", "buy tea")
        run = add_todo(todos, actions)
        assert run is not None
        assert todos.get_state()["draft"] == ""
        assert (await run.settled()).status == "failure"
        seen = states_of(rt, run.link_id)
        phases = [what for kind, what in seen if kind == "optimistic"]
        assert phases == ["apply", "rollback"]
        before_rollback = seen[:seen.index(("optimistic", "rollback"))]
        shown = [[(i["title"], i["sync"]) for i in what["items"]] for kind, what in before_rollback if kind == "state"]
        assert [("buy tea", "saving")] in shown  # committed while the save was still on its way
        state = todos.get_state()
        assert state["items"] == [] and state["sync"]["rolled_back"] == 1
        assert state["last_rollback"] == "add: operation::failed"

        app.set_fault("fail_saves", False)
        todos.dispatch("set_draft", "report")
        kept = add_todo(todos, actions)
        assert kept is not None and (await kept.settled()).status == "success"
        [item] = todos.get_state()["items"]
        assert item["title"] == "report"
        assert add_todo(todos, actions) is None  # an empty draft adds nothing

        app.set_fault("fail_saves", True)
        flip = actions.trigger(SAVE_TOGGLE, item["id"])
        assert (await flip.settled()).status == "failure"
        flips = [what["items"][0]["done"] for kind, what in states_of(rt, flip.link_id) if kind == "state"]
        assert True in flips and flips[-1] is False  # flipped at once, flipped back by the rollback
        assert todos.get_state()["items"][0]["done"] is False  # and flipped back
        assert todos.get_state()["sync"]["rolled_back"] == 2
    finally:
        await PART.close(app)
        rt.dispose()
