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


