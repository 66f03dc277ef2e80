"""The static IR a commit's events name is announced before them, once per generation: a tap sees the IR of the new
generation after fields are installed, before the first event that names its digest."""

from __future__ import annotations

from typing import Any

from runtime import Module, Runtime, computed


def test_a_tap_gets_the_new_generations_ir_before_the_first_event_naming_it() -> None:
    rt = Runtime(diagnostics="light")
    seen: list[tuple[str, Any]] = []
    rt.hub.tap(lambda kind, payload: seen.append((kind, payload)))
    inst = rt.mount(Module("stats", initial={"n": 1, "double": 2, "total": 0},
                           fields=[computed("double", deps=["n"], derive=lambda n: n * 2)],
                           reducers={"set": lambda d, n: d.__setitem__("n", n)}))
    inst.dispatch("set", 2)
    inst.dispatch("set", 3)
    inst.install_fields([computed("total", deps=["double"], derive=lambda d: d + 1)])
    inst.dispatch("set", 4)
    irs = [payload["staticIrDigest"] for kind, payload in seen if kind == "static-ir"]
    assert len(irs) == 2 and irs[0] != irs[1]  # once per generation, not per commit
    new_ir_at = next(i for i, (kind, p) in enumerate(seen) if kind == "static-ir" and p["staticIrDigest"] == irs[1])
    named_at = next(i for i, (kind, p) in enumerate(seen)
                    if kind == "debug:event" and p["label"] == "state:update" and p["meta"]["staticIrDigest"] == irs[1])
    assert new_ir_at < named_at
    assert set(rt.hub.static_irs_by_digest()) == set(irs)
