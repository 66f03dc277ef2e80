"""The demo's todo saves are optimistic: an added todo shows at once, and a save the backend fails takes it back
out of the list (against the demo's real loopback backend, switched by its fault switches)."""

from __future__ import annotations

import pytest
from ops_support import wait_until

from devtools.demo.core import DemoApp
from devtools.demo.parts.todos import PART, SAVE_TOGGLE, add_todo
from runtime import Runtime


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
        await wait_until(lambda: todos.get_state()["items"], what="the optimistic item")
        assert [(i["title"], i["sync"]) for i in todos.get_state()["items"]] == [("buy tea", "saving")]
        assert run.run.status == "pending"  # shown before the backend answered
        assert (await run.settled()).status == "failure"
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
        await wait_until(lambda: todos.get_state()["items"][0]["done"], what="the optimistic flip")
        assert flip.run.status == "pending"
        assert (await flip.settled()).status == "failure"
        assert todos.get_state()["items"][0]["done"] is False  # and flipped back
        assert todos.get_state()["sync"]["rolled_back"] == 2
    finally:
        await PART.close(app)
        rt.dispose()
