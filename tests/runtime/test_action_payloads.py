"""A reducer declares its payload type; a dispatch of another shape is refused before the reducer runs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, TypedDict

import pytest
from schema_check import validator

from runtime import DefinitionError, Module, PayloadType, PayloadTypeError, Runtime


@dataclass(frozen=True)
class Edit:
    field: Literal["first", "last"]
    value: str
    note: str | None = None


class Move(TypedDict):
    index: int
    to: int


SEEN: list[object] = []
"""What the rename reducer received."""


def shop() -> Module:
    m = Module("shop", initial={"count": 0, "names": {"first": "", "last": ""}, "items": [], "log": []})

    @m.reducer("add")
    def add(draft, amount: int):
        draft["count"] += amount

    @m.reducer("rename", payload=Edit)
    def rename(draft, edit):
        SEEN.append(edit)
        draft["names"][edit.field] = edit.value

    @m.reducer("move")
    def move(draft, step: Move):
        draft["log"].append(step["to"])

    @m.reducer("tags")
    def tags(draft, tags: list[str] | None):
        draft["items"] = list(tags or [])

    @m.reducer("scores")
    def scores(draft, scores: dict[str, float]):
        draft["count"] = sum(scores.values())

    def odd(value):
        """An odd int."""
        if not isinstance(value, int):
            raise TypeError("not an int")
        return value % 2 == 1

    @m.reducer("odd", payload=odd)
    def set_odd(draft, value):
        draft["count"] = value

    @m.reducer("span")
    def span(draft, span: tuple[float, float] | None):
        draft["log"].append(span)

    @m.reducer("free")
    def free(draft, anything):
        draft["log"].append(anything)

    return m


@pytest.fixture
def inst():
    SEEN.clear()
    rt = Runtime(label="t", diagnostics="light")
    yield rt.mount(shop())
    rt.dispose()


@pytest.mark.parametrize("action, bad, words", [
    ("add", "5", "expects int; got '5'"),
    ("add", True, "expects int"),
    ("rename", {"field": "middle", "value": "x"}, "at .field: expected 'first' | 'last'"),
    ("rename", {"field": "first"}, "expected Edit with value"),
    ("rename", {"field": "first", "value": "x", "colour": 1}, "expected Edit without colour"),
    ("move", {"index": 1, "to": "end"}, "at .to: expected int"),
    ("tags", ["a", 2], "at [1]: expected str"),
    ("scores", {"a": "high"}, "at ['a']: expected float"),
    ("span", [1, 2, 3], "expects tuple[float, float] | None"),
    ("span", [1, "x"], "at [1]: expected float"),
    ("odd", 4, "what shop.<locals>.odd accepts"),
    ("odd", "x", "not an int"),
])
def test_a_payload_of_the_wrong_shape_is_refused_before_the_reducer_runs(inst, action, bad, words):
    rt_events = inst.sink.hub.events
    before, txn_seq = inst.get_state(), inst.txn_seq
    with pytest.raises(PayloadTypeError) as caught:
        inst.dispatch(action, bad)
    err = caught.value
    assert words in str(err), str(err)
    assert (err.module_id, err.action_type) == ("shop", action)
    assert inst.get_state() is before and inst.txn_seq == txn_seq  # nothing applied, no transaction
    (diag,) = [e for e in rt_events() if e["kind"] == "diagnostic"]
    assert diag["label"] == "action::payload_mismatch" and diag["meta"]["severity"] == "error"
    assert f"action {action!r} of module 'shop' expects" in diag["meta"]["message"]
    assert not [e for e in rt_events() if e["kind"] == "action"]  # the action itself never happened


def test_payloads_of_the_declared_shape_go_through_and_json_objects_become_dataclasses(inst):
    inst.dispatch("add", 2)
    inst.dispatch("rename", {"field": "first", "value": "Ada"})
    inst.dispatch("rename", Edit("last", "Lovelace", note="given"))
    inst.dispatch("move", {"index": 0, "to": 3})
    inst.dispatch("tags", None)
    inst.dispatch("tags", ["x", "y"])
    inst.dispatch("scores", {"a": 1, "b": 2.5})  # an int is a JSON number, so a float
    inst.dispatch("odd", 7)
    inst.dispatch("span", [0, 1.5])
    inst.dispatch("free", object())
    state = inst.get_state()
    assert state["names"] == {"first": "Ada", "last": "Lovelace"}
    assert state["items"] == ["x", "y"] and state["log"][0] == 3 and state["count"] == 7
    assert [type(e) for e in SEEN] == [Edit, Edit]


def test_the_received_value_is_cut_in_the_error(inst):
    with pytest.raises(PayloadTypeError) as caught:
        inst.dispatch("add", "9" * 10_000)
    assert "9" * 256 not in caught.value.received and "(cut: 10002 characters)" in caught.value.received
    assert len(str(caught.value)) < 600


def test_a_batch_with_one_bad_payload_applies_nothing(inst):
    before = inst.get_state()
    with pytest.raises(PayloadTypeError):
        inst.dispatch_batch([("add", 1), ("add", "two")])
    assert inst.get_state() is before and inst.txn_seq == 0


def test_the_static_ir_lists_the_actions_with_their_payload_types(inst):
    validator("static-ir").validate(inst.static_ir_export())
    actions = inst.module.action_schemas()
    assert sorted(actions) == ["add", "free", "move", "odd", "rename", "scores", "span", "tags"]
    assert actions["free"] == {}
    assert actions["add"]["payload"] == {"type": "int", "text": "int"}
    rename = actions["rename"]["payload"]
    assert rename["type"] == "object" and rename["required"] == ["field", "value"]
    assert rename["text"] == "Edit {field: 'first' | 'last', value: str, note?: str | None}"
    assert actions["odd"]["payload"]["doc"] == "An odd int."
    assert actions["scores"]["payload"] == {"type": "dict", "keys": {"type": "str"}, "value": {"type": "float"},
                                            "text": "dict[str, float]"}


def test_a_checker_rebuilt_from_the_schema_applies_the_same_rules(inst):
    for action, good, bad in [("rename", {"field": "last", "value": "x"}, {"field": "last"}),
                              ("tags", ["a"], [1]), ("scores", {"a": 1}, {"a": None}), ("move", {"index": 1, "to": 2},
                                                                                      {"index": 1})]:
        rebuilt = PayloadType.from_schema(inst.module.action_schemas()[action]["payload"])
        assert rebuilt.check(good) == good
        with pytest.raises(Exception, match="expected"):
            rebuilt.check(bad)


def test_a_type_that_cannot_be_checked_is_refused_when_declared():
    m = Module("m", initial={"x": 0})
    with pytest.raises(DefinitionError, match="module 'm' action 'pair'.*frozenset"):
        m.reducer("pair", payload=frozenset[int])(lambda draft, p: None)

    def later(draft, p: NotDefinedAnywhere):  # noqa: F821 - the annotation names nothing, on purpose
        pass

    with pytest.raises(DefinitionError, match="cannot read the payload annotation"):
        m.reducer("later")(later)


def test_payloads_given_to_the_module_win_over_annotations():
    def set_x(draft, value: str):
        draft["x"] = value

    rt = Runtime(label="t", diagnostics="off")
    inst = rt.mount(Module("m", {"x": 0}, reducers={"set": set_x}, payloads={"set": int}))
    inst.dispatch("set", 3)
    with pytest.raises(PayloadTypeError, match="expects int; got 'three'"):
        inst.dispatch("set", "three")
    assert inst.get_state()["x"] == 3
    rt.dispose()
