"""Every action of the demo declares its payload type, and the demo refuses a payload of another shape."""

from __future__ import annotations

import pytest

from devtools.demo import build_demo
from runtime import PayloadTypeError, Runtime


def test_every_demo_action_declares_its_payload_type():
    rt = Runtime(label="demo", diagnostics="light")
    app = build_demo(rt)
    untyped = [(name, action) for name, inst in app.instances.items()
               for action, declared in inst.module.action_schemas().items() if "payload" not in declared]
    assert untyped == []
    form = app["form"]
    assert form.module.action_schemas()["set_customer"]["payload"]["text"] == \
        "CustomerEdit {field: 'first' | 'last' | 'email' | 'age', value: str | int}"
    before = form.get_state()
    with pytest.raises(PayloadTypeError, match="at .qty: expected int"):
        form.dispatch("set_qty", {"index": 0, "qty": "three"})
    assert form.get_state() is before
    rt.dispose()
