"""Real traces for the trace tests: a small runtime recorded by the TraceWriter at a chosen level."""

from __future__ import annotations

from pathlib import Path

from runtime import Module, Runtime, check, computed
from runtime.trace import TraceWriter


def sample_module() -> Module:
    form = Module(
        "form",
        initial={"first": "Ada", "last": "L", "items": [], "email": "", "full": "", "total": 0,
                 "tags": ("a", "b")},
        fields=[
            computed("full", deps=["first", "last"], derive=lambda a, b: f"{a} {b}"),
            computed("total", deps=["items.price"], derive=lambda prices: sum(prices)),
            check("email", {"required": lambda v: None if v else "required"}),
        ],
    )

    @form.reducer("add_item")
    def add_item(draft, price):
        draft["items"].append({"price": price, "note": "x" * 40})

    @form.reducer("set_first")
    def set_first(draft, name):
        draft["first"] = name

    @form.reducer("set_email")
    def set_email(draft, email):
        draft["email"] = email

    return form


def record_sample(path: Path, level: str = "full", steps: int = 30) -> Path:
    """Record `steps` rounds of dispatches on two instances at `level`; returns the path."""
    rt = Runtime(label="sample", diagnostics=level)
    with TraceWriter(path, label="sample", run_id="sample-run", created_at=1_000.0) as writer:
        writer.attach(rt.hub, runtime=rt)
        a = rt.mount(sample_module())
        b = rt.mount(sample_module(), "form#b")
        for i in range(steps):
            a.dispatch("add_item", i, link_id=f"form#1::r{i // 3}")
            a.dispatch("set_first", f"n{i}")
            if i % 5 == 0:
                b.dispatch("set_email", f"u{i}@x")
    return path




def record_rich(path: Path, level: str = "light", runs: int = 6) -> Path:
    """A trace with ticks (the runtime's tick scheduler) and overlapping async action runs (the action
    coordinator, allow-concurrent): one run cancelled, the last one still pending when the recording ends."""
    import asyncio

    from runtime.actions import ActionCoordinator, action

    async def save(ctx, i):
        ctx.dispatch("add_item", i)
        await asyncio.sleep(5.0 if i == runs - 1 else 0.02)  # the last one outlives the recording
        ctx.dispatch("set_first", f"s{i}")
        return i

    save_def = action("save", save, concurrency="allow-concurrent")

    async def scenario() -> None:
        rt = Runtime(label="rich", diagnostics=level)
        writer = TraceWriter(path, label="rich").attach(rt.hub, runtime=rt)
        inst = rt.mount(sample_module())
        coordinator = ActionCoordinator(inst)
        handles = []
        for i in range(runs):
            handles.append(coordinator.trigger(save_def, i))
            if i == 1:
                assert coordinator.cancel(handles[1], "user")
            await asyncio.sleep(0.01)  # the next run starts before this one settles
        for handle in handles[:-1]:
            await handle.settled()
        assert not handles[-1].run.settled, "the last run should still be pending"
        inst.dispatch("set_email", "x@y")
        writer.close()  # the last run is still pending here
        await coordinator.aclose()

    asyncio.run(scenario())
    return path
