"""The records a transaction builds keep the behaviour of frozen dataclasses with the faster constructor
(runtime.base.frozen.fast_init): defaults, fresh default factories, frozenness, equality, and refusals."""

from __future__ import annotations

import dataclasses

import pytest

from runtime import Module, Runtime, computed
from runtime.base.frozen import fast_init
from runtime.base.paths import DirtySet
from runtime.base.records import ConvergeRecord, TxnOrigin, TxnRecord


def test_a_committed_record_is_frozen_and_equal_to_one_built_field_by_field():
    m = Module("m", {"a": 0, "b": 1, "total": 1},
               fields=[computed("total", deps=["a", "b"], derive=lambda a, b: a + b)])
    m.reducer("set_a")(lambda draft, value: draft.__setitem__("a", value))
    rt = Runtime()
    inst = rt.mount(m)
    record = inst.dispatch("set_a", 5)
    assert isinstance(record, TxnRecord)
    assert inst.get_state() == {"a": 5, "b": 1, "total": 6}
    with pytest.raises(dataclasses.FrozenInstanceError):
        record.txn_seq = 99  # type: ignore[misc]
    copy = TxnRecord(**{f.name: getattr(record, f.name) for f in dataclasses.fields(TxnRecord)})
    assert copy == record
    assert record.link_id is not None and record.before is None  # defaults and given values both landed
    rt.dispose()


def test_defaults_positional_and_keyword_arguments_behave_as_the_dataclass_ones():
    assert TxnOrigin("action", "x") == TxnOrigin(kind="action", name="x", details=None)
    assert hash(TxnOrigin("action", "x")) == hash(TxnOrigin("action", "x"))
    with pytest.raises(TypeError):
        TxnOrigin()  # type: ignore[call-arg]
    assert DirtySet.single(3) is DirtySet.single(3)
    assert DirtySet.single(3) == DirtySet(False, None, (3,)) == DirtySet.from_roots([3])


def test_a_default_factory_gives_each_record_its_own_value():
    names = [f.name for f in dataclasses.fields(ConvergeRecord) if f.default is dataclasses.MISSING
             and f.default_factory is dataclasses.MISSING]
    first = ConvergeRecord(**dict.fromkeys(names))
    second = ConvergeRecord(**dict.fromkeys(names))
    assert first.generation == {} and first.generation is not second.generation


def test_classes_it_cannot_speed_up_without_a_change_of_behaviour_are_refused():
    @dataclasses.dataclass(slots=True)
    class Mutable:
        a: int

    @dataclasses.dataclass(frozen=True, slots=True)
    class Checked:
        a: int

        def __post_init__(self) -> None:
            if self.a < 0:
                raise ValueError("negative")

    @dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
    class KeywordOnly:
        a: int

    for cls in (Mutable, Checked, KeywordOnly):
        with pytest.raises(TypeError, match="fast_init"):
            fast_init(cls)
