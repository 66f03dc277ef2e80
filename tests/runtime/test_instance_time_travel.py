"""Time travel as the devtools ask for it: the new transaction is named `time-travel`, a transaction id not in the
history and a mode that is neither before nor after are refused naming what was asked; a set_state keeps its
caller's name."""

from __future__ import annotations

import pytest

from runtime import Module, Runtime, TimeTravelUnavailable


def counter() -> Module:
    return Module("counter", initial={"count": 0},
                  reducers={"add": lambda d, n: d.__setitem__("count", d["count"] + n)})


def test_a_time_travel_commit_is_named_time_travel_and_brings_the_state_back():
    inst = Runtime(diagnostics="full").mount(counter())
    first = inst.dispatch("add", 1)
    inst.dispatch("add", 1)
    back = inst.apply_transaction_snapshot(first.txn_id, "before")
    assert (back.origin.kind, back.origin.name) == ("devtools", "time-travel")
    assert inst.get_state() == {"count": 0}


def test_a_transaction_not_in_the_history_is_refused_naming_it():
    inst = Runtime(diagnostics="full").mount(counter())
    with pytest.raises(TimeTravelUnavailable) as err:
        inst.apply_transaction_snapshot("counter#1::t99", "after")
    assert str(err.value) == "counter#1::t99 is not in the history of counter#1"


def test_a_mode_other_than_before_or_after_is_refused_naming_it():
    inst = Runtime(diagnostics="full").mount(counter())
    first = inst.dispatch("add", 1)
    with pytest.raises(ValueError) as err:
        inst.apply_transaction_snapshot(first.txn_id, "during")
    assert str(err.value) == "which must be 'before' or 'after', not 'during'"
    assert inst.get_state() == {"count": 1}


def test_a_set_state_keeps_the_name_its_caller_gave():
    inst = Runtime().mount(counter())
    record = inst.set_state({"count": 5}, origin_name="restore")
    assert (record.origin.kind, record.origin.name) == ("setState", "restore")
