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
    """A trace with ticks and overlapping async action runs beside real transactions.

    The tick layer and the async action coordinator live in other parts of the runtime; here their events are
    emitted through the real debug sink in the shapes of their contracts (073 trace:tick, 088 async-action), so
    the trace goes through the same writer and checker as a full runtime's would.
    """
    rt = Runtime(label="rich", diagnostics=level)
    ticks = [0]

    def tick(inst, record, state):
        ticks[0] += 1
        for phase in ("start", "settled"):
            rt.sink.emit(module_id=inst.module_id, instance_id=inst.instance_id, kind="devtools", label="trace:tick",
                         meta={"tickSeq": ticks[0], "phase": phase,
                               "backlog": {"pendingExternalInputs": ticks[0] % 3, "pendingDeferredWork": 0}})

    def run_event(inst, link, phase, **extra):
        rt.sink.emit(module_id=inst.module_id, instance_id=inst.instance_id, kind="action", label="async-action",
                     link_id=link, meta={"type": "async-action", "phase": phase, "actionId": "save", **extra})

    with TraceWriter(path, label="rich") as writer:
        writer.attach(rt.hub, runtime=rt)
        rt.add_commit_listener(tick)
        a = rt.mount(sample_module())
        links = [f"form#1::r{i}" for i in range(runs)]
        for i, link in enumerate(links):  # runs overlap: each starts before the previous one settles
            run_event(a, link, "trigger", concurrencyPolicy="allow-concurrent")
            a.dispatch("add_item", i, link_id=link)
            if i:
                a.dispatch("set_first", f"s{i}", link_id=links[i - 1])
                run_event(a, links[i - 1], "settle", status="success" if i % 2 else "cancelled",
                          **({} if i % 2 else {"cancelReason": "override"}))
        a.dispatch("set_email", "x@y")  # the last run stays open: the trace ends before it settles
    return path
