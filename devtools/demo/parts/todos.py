"""The todo list: every change is saved to the loopback backend as a backend operation from an async action.

At start the part runs a `BackendServer` on 127.0.0.1 (an ephemeral port) with an OperationTracker over HTTP; it
stops both at close, after what is in flight has settled. Three actions, three concurrency policies:

- `save-draft` (latest-wins): autosave of the draft after a short pause in typing; a keystroke supersedes the run
  before it (cancelled/override), waits until the save is committed;
- `save-todo` (allow-concurrent): adds the todo **optimistically** (it shows at once, sync `saving`), creates it on
  the backend and waits until the read model shows it; a save that fails or times out rolls the item back out of
  the list (`sync.rolled_back` counts it, `last_rollback` says which);
- `save-toggle` (queue): flips done/undone optimistically, one flip at a time in order (a flip never overtakes the
  one before it), and waits until the backend committed it; a failed flip is rolled back.
The later stages arrive as operation transactions that set the item's sync status (`saved` at ready, `failed` on
failed or timed_out).

Fault switches (bound to toggles in the GUI, `app.set_fault(name, on)`): `fail_saves`, `never_project`,
`slow_commit`. Until somebody flips one, a scripted drill turns them on and off so a recording shows failed and
timed_out stages too.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from runtime import ModuleInstance, Runtime
from runtime.actions import ActionContext, ActionCoordinator, RunHandle, action
from runtime.operations import Budget, OperationEvent, OperationTracker, Stage

from ..backend import BackendServer
from ..core import DemoApp, DemoPart, FaultSwitch, every
from ..modules import flip, mark_sync, new_todo, note_rollback, todo_module

__all__ = ["PART", "add_todo", "SAVE_DRAFT", "SAVE_TODO", "SAVE_TOGGLE", "BUDGET", "FAULTS", "FAULT_DRILL",
           "TODO_TITLES"]

TODO_TITLES = ["buy tea", "report", "call bank", "plants", "fix bike"]
BUDGET = Budget(accept=2.0, committed=1.5, observed=1.5, ready=1.5)
"""Tight on purpose: a save the read model never shows times out within 1.5 s of being accepted."""
DRAFT_DEBOUNCE_S = 0.15
CLOSE_GRACE_S = 2.0
"""At close, how long in-flight saves may take to settle on their own (longer than any stage budget)."""

FAULTS: dict[str, tuple[str, dict[str, Any]]] = {
    "fail_saves": ("saves fail after the backend accepted them", {"fail_after_accept": "demo_fault"}),
    "never_project": ("saves commit but reach the read model only once it is off: they time out, then resolve late",
                      {"never_project": True}),
    "slow_commit": ("the backend takes 0.6 s to commit each save", {"commit_delay_s": 0.6}),
}
FAULT_DRILL: tuple[tuple[float, str, bool], ...] = (
    (1.0, "fail_saves", True), (2.2, "fail_saves", False),
    (2.3, "never_project", True), (5.6, "never_project", False),
    (5.0, "slow_commit", True), (6.5, "slow_commit", False),
)
"""(seconds into a 10 s cycle, switch, on): the scripted fault drill (stops once a user flips a switch). The projector
stays broken longer than BUDGET.observed, so the saves accepted meanwhile time out, and its events are projected
when it is mended, within the tracker's late grace: they resolve late."""
_DRILL_CYCLE_S = 10.0


def _todo_target(todo_id: int) -> str:
    return f"todo-{todo_id}"


def _todo_id(target: str | None) -> int:
    return int((target or "todo-0").rsplit("-", 1)[1])


async def _save_draft(ctx: ActionContext, text: str) -> str:
    await asyncio.sleep(DRAFT_DEBOUNCE_S)  # wait for a pause in typing; the next keystroke supersedes this run
    await ctx.submit("draft.save", "todo-draft", {"text": text}, wait_for=Stage.COMMITTED)
    ctx.dispatch("draft_saved", text)
    return text


async def _save_todo(ctx: ActionContext, item: dict[str, Any]) -> str:
    todo = new_todo(item["id"], item["title"])

    def show(draft: Any) -> None:
        if all(i["id"] != todo["id"] for i in draft["items"]):  # an item already listed is not listed twice
            draft["items"].append(todo)

    ctx.optimistic(show, name=f"add {_todo_target(item['id'])}")
    receipt = await ctx.submit("todo.create", _todo_target(item["id"]), {"delta": 1, "title": item["title"]},
                               wait_for=Stage.OBSERVED)
    return receipt.command_id


async def _save_toggle(ctx: ActionContext, todo_id: int) -> str:
    ctx.optimistic(lambda draft: flip(draft, todo_id), name=f"toggle {_todo_target(todo_id)}")
    done = next((i["done"] for i in ctx.state["items"] if i["id"] == todo_id), None)
    receipt = await ctx.submit("todo.toggle", _todo_target(todo_id), {"done": done}, wait_for=Stage.COMMITTED)
    return receipt.command_id


def add_todo(todos: ModuleInstance, actions: ActionCoordinator) -> RunHandle | None:
    """What the Add button does: take the draft as a new todo's title and save it; the item shows at once
    (optimistically) and goes again if the save fails. None when the draft is empty."""
    state = todos.get_state()
    title, todo_id = state["draft"].strip(), state["next_id"]
    if not title:
        return None
    todos.dispatch("take_draft")
    return actions.trigger(SAVE_TODO, {"id": todo_id, "title": title})


def _rolled_back(what: str) -> Callable[[Any, dict[str, Any]], None]:
    return lambda draft, error: note_rollback(draft, what, error)


SAVE_DRAFT = action("save-draft", _save_draft, concurrency="latest-wins")
SAVE_TODO = action("save-todo", _save_todo, concurrency="allow-concurrent", max_concurrent=4,
                   on_failure=_rolled_back("add"))
SAVE_TOGGLE = action("save-toggle", _save_toggle, concurrency="queue", on_failure=_rolled_back("toggle"))


# -- wiring -------------------------------------------------------------------------------------------------------


def _apply_faults(app: DemoApp) -> None:
    """Install the union of the switches that are on as the backend's default fault scope."""
    backend: BackendServer | None = app.extras.get("todos.backend")
    if backend is None:
        return  # not started yet: start applies them
    switches: dict[str, Any] = {}
    for name, on in app.faults.items():
        if on and name in FAULTS:
            switches.update(FAULTS[name][1])
    backend.faults.set(**switches)


def _mount(rt: Runtime, app: DemoApp) -> None:
    app.instances["todos"] = rt.mount(todo_module(), "todos#1", label="todo list")
    for name, (description, _switches) in FAULTS.items():
        app.add_fault(FaultSwitch(name, description, lambda _on: _apply_faults(app)))


def _sync_routes(actions: ActionCoordinator) -> None:
    def mark(status: str) -> Callable[[Any, OperationEvent], None]:
        def handler(draft: Any, event: OperationEvent) -> None:
            mark_sync(draft, _todo_id(event.target), status)
        return handler

    for kind in ("todo.create", "todo.toggle"):
        actions.binding.on("stage_reached", mark("saved"), kind=kind, stage=Stage.READY)
        actions.binding.on("failed", mark("failed"), kind=kind)
        actions.binding.on("timed_out", mark("failed"), kind=kind)


async def _start(app: DemoApp) -> None:
    backend = BackendServer()  # 127.0.0.1, an ephemeral port, a temporary SQLite file removed at stop
    await backend.start()
    from runtime.operations.http import HttpTransport  # aiohttp, imported only when the demo really runs

    tracker = OperationTracker(app.runtime, HttpTransport(backend.base_url), budget=BUDGET, label="todo-backend",
                               late_grace_s=1.0)
    actions = ActionCoordinator(app["todos"], operations=tracker)
    _sync_routes(actions)
    app.extras.update({"todos.backend": backend, "todos.backend_url": backend.base_url, "todos.tracker": tracker,
                       "todos.actions": actions})
    _apply_faults(app)


async def _close(app: DemoApp) -> None:
    actions: ActionCoordinator | None = app.extras.get("todos.actions")
    tracker: OperationTracker | None = app.extras.get("todos.tracker")
    backend: BackendServer | None = app.extras.get("todos.backend")
    try:
        if actions is not None and tracker is not None:
            # Let in-flight saves reach their own outcome (each is bounded by BUDGET) before disposal would end
            # them as timed_out/disposed: the recording should show what really happened.
            loop = asyncio.get_running_loop()
            end = loop.time() + CLOSE_GRACE_S
            while (actions.pending() or tracker.pending()) and loop.time() < end:
                await asyncio.sleep(0.02)
            await actions.aclose()
            await tracker.aclose()
    finally:
        if backend is not None:
            app.extras.pop("todos.backend", None)
            await backend.stop()


# -- the user's script --------------------------------------------------------------------------------------------


def _script() -> list[tuple[str, Any]]:
    """One step every 0.1 s: type a title (the draft autosaves in the pause after it), add it, flip two items."""
    steps: list[tuple[str, Any]] = []
    for k, title in enumerate(TODO_TITLES):
        steps += [("type", title[:i]) for i in range(1, len(title) + 1)]
        steps += [("pause", None), ("add", None), ("toggle", k), ("pause", None), ("toggle", k + 2),
                  ("remove", None)]
    return steps


TODO_SCRIPT = _script()


async def _use_todos(app: DemoApp, stop: asyncio.Event) -> None:
    todos = app["todos"]
    actions: ActionCoordinator = app.extras["todos.actions"]

    def step(n: int) -> None:
        if todos.disposed or actions.disposed:
            return
        what, arg = TODO_SCRIPT[n % len(TODO_SCRIPT)]
        if what == "type":
            todos.dispatch("set_draft", arg)
            actions.trigger(SAVE_DRAFT, arg)
        elif what == "add":
            add_todo(todos, actions)
        elif what == "toggle":
            items = todos.get_state()["items"]
            if items:
                actions.trigger(SAVE_TOGGLE, items[arg % len(items)]["id"])
        elif what == "remove":
            items = todos.get_state()["items"]
            if len(items) > 6:
                todos.dispatch("remove", items[0]["id"])

    await every(0.1, stop, step)


async def _fault_drill(app: DemoApp, stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    start = loop.time()
    cycle = 0
    try:
        while not stop.is_set() and not app.manual_faults:
            for at, name, on in FAULT_DRILL:
                delay = start + cycle * _DRILL_CYCLE_S + at - loop.time()
                if delay > 0:
                    try:
                        async with asyncio.timeout(delay):
                            await stop.wait()
                        return
                    except asyncio.TimeoutError:
                        pass
                if not app.scripted_fault(name, on):
                    return
            cycle += 1
    finally:
        if not app.manual_faults:
            for name in FAULTS:
                app.scripted_fault(name, False)  # the drill leaves nothing switched on behind it


PART = DemoPart("todos", _mount, (_use_todos, _fault_drill), _close, _start)
