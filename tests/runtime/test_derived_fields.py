"""Derived fields: computed, link, check, declaration errors, degrade and rollback."""

from __future__ import annotations

import pytest

from runtime import (
    AsyncEscapeError,
    ConvergeConfig,
    DefinitionError,
    FieldConfigError,
    Module,
    Rule,
    Runtime,
    check,
    computed,
    link,
)


def shop() -> Module:
    m = Module(
        "shop",
        {"items": [{"price": 2, "qty": 1}], "discount": 0, "email": "", "billing": {"city": "Oslo"}},
        fields=[
            computed("subtotal", deps=["items.price", "items.qty"],
                     derive=lambda prices, qtys: sum(p * q for p, q in zip(prices, qtys, strict=True))),
            computed("total", deps=["subtotal", "discount"], derive=lambda s, d: s - d),  # reads a computed
            link("shipping.city", "billing.city"),
            check("email", {
                "required": lambda v: None if v else "required",
                "shape": Rule(lambda v: None if "@" in v else "not an email"),
            }),
        ],
    )

    @m.reducer("add")
    def add(draft, item):
        draft["items"].append(item)

    @m.reducer("set")
    def set_field(draft, kv):
        key, value = kv
        draft[key] = value

    @m.reducer("move")
    def move(draft, city):
        draft["billing"]["city"] = city

    return m


def test_mount_computes_every_derived_field():
    state = Runtime().mount(shop()).get_state()
    assert state["subtotal"] == 2 and state["total"] == 2
    assert state["shipping"] == {"city": "Oslo"}
    assert state["errors"] == {"email": "required"}


def test_a_chain_sees_earlier_writes_in_the_same_window():
    inst = Runtime().mount(shop())
    record = inst.dispatch("add", {"price": 5, "qty": 2})
    assert inst.get_state()["subtotal"] == 12 and inst.get_state()["total"] == 12
    reg = inst.shape.registry
    assert {reg.paths[i] for i in record.dirty.root_ids} == {("items",), ("subtotal",), ("total",)}
    assert {reg.paths[i] for i in record.base_dirty.root_ids} == {("items",)}


def test_link_and_check_follow_their_sources():
    inst = Runtime().mount(shop())
    inst.dispatch("move", "Bergen")
    assert inst.get_state()["shipping"]["city"] == "Bergen"
    inst.dispatch("set", ("email", "ada"))
    assert inst.get_state()["errors"]["email"] == "not an email"
    inst.dispatch("set", ("email", "ada@example.org"))
    assert inst.get_state()["errors"]["email"] is None


def test_a_cycle_is_refused_naming_the_fields():
    m = Module("loop", {"a": 1}, fields=[
        computed("b", deps=["c"], derive=lambda c: c),
        computed("c", deps=["b"], derive=lambda b: b),
    ])
    with pytest.raises(FieldConfigError) as info:
        Runtime().mount(m)
    assert info.value.code == "CYCLE_DETECTED" and set(info.value.fields) == {"b", "c"}


def test_a_field_reading_itself_is_a_cycle():
    m = Module("self", {"a": 1}, fields=[computed("a2", deps=["a2"], derive=lambda v: v)])
    with pytest.raises(FieldConfigError, match="CYCLE_DETECTED"):
        Runtime().mount(m)


def test_two_writers_of_one_field_are_refused():
    m = Module("two", {"a": 1}, fields=[
        computed("x", deps=["a"], derive=lambda a: a),
        link("x", "a"),
    ])
    with pytest.raises(FieldConfigError) as info:
        Runtime().mount(m)
    assert info.value.code == "MULTIPLE_WRITERS" and info.value.fields == ["x", "x"]


def test_overlapping_writers_are_refused_too():
    m = Module("nest", {"a": 1}, fields=[
        computed("x", deps=["a"], derive=lambda a: {"y": a}),
        computed("x.y", deps=["a"], derive=lambda a: a),
    ])
    with pytest.raises(FieldConfigError, match="MULTIPLE_WRITERS"):
        Runtime().mount(m)


def test_a_derived_field_cannot_be_written_through_a_list():
    m = Module("lst", {"items": [{"a": 1}]}, fields=[computed("items.b", deps=["items.a"], derive=len)])
    with pytest.raises(DefinitionError, match="list 'items'"):
        Runtime().mount(m)


def test_a_failing_step_degrades_rolls_back_derived_writes_and_keeps_base_writes():
    def fragile(d):
        if d == 13:
            raise ZeroDivisionError("unlucky")
        return d * 10

    m = Module("frag", {"d": 1}, fields=[
        computed("ok", deps=["d"], derive=lambda d: d + 1),
        computed("bad", deps=["d"], derive=fragile),
    ])

    @m.reducer("set")
    def set_d(draft, v):
        draft["d"] = v

    rt = Runtime(diagnostics="light")
    inst = rt.mount(m)
    record = inst.dispatch("set", 13)
    state = inst.get_state()
    assert state["d"] == 13  # the base write committed
    assert state["ok"] == 2 and state["bad"] == 10  # both derived writes were rolled back, consistent as before
    assert record.converge.outcome == "Degraded" and record.converge.degrade_reason == "runtime_error"
    diag = [e for e in rt.hub.events() if e["label"] == "field::runtime_error"]
    assert diag and "computed:bad" in diag[-1]["meta"]["message"] and diag[-1]["meta"]["severity"] == "warning"
    inst.dispatch("set", 2)
    assert inst.get_state()["ok"] == 3 and inst.get_state()["bad"] == 20


def test_the_execution_budget_degrades_the_transaction():
    n = 64
    m = Module("slow", {"b": 0}, fields=[computed(f"d{i}", deps=["b"], derive=lambda b: b + 1) for i in range(n)])

    @m.reducer("bump")
    def bump(draft, _):
        draft["b"] += 1

    rt = Runtime(diagnostics="light", converge=ConvergeConfig(budget_ms=0.0))
    inst = rt.mount(m)
    record = inst.dispatch("bump")
    assert record.converge.outcome == "Degraded" and record.converge.degrade_reason == "budget_exceeded"
    assert inst.get_state()["b"] == 1
    assert all(inst.get_state().get(f"d{i}") in (None, 1) for i in range(n))  # no half-applied derived writes
    assert len({inst.get_state().get(f"d{i}") for i in range(n)}) == 1
    assert any(e["label"] == "field::budget_exceeded" for e in rt.hub.events())


def test_an_async_derivation_is_an_async_escape():
    async def later(v):
        return v

    m = Module("asyncd", {"a": 1}, fields=[computed("b", deps=["a"], derive=later)])
    with pytest.raises(AsyncEscapeError, match="computed:b"):
        Runtime().mount(m)
