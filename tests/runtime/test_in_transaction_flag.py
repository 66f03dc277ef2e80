"""`Runtime.in_transaction` is a bool a user may compare: False before any window and after every one (also one
that raised), True inside a window (a reducer, a commit listener) and in the entries queued behind it."""

from __future__ import annotations

import pytest

from runtime import Module, ReducerError, Runtime


def test_the_flag_is_false_outside_windows_and_true_inside_them():
    rt = Runtime()
    assert rt.in_transaction is False  # a fresh runtime, before its first window
    seen: list[object] = []
    m = Module("flag", initial={"n": 0})

    @m.reducer("inc")
    def inc(draft, _):
        seen.append(rt.in_transaction)
        draft["n"] = draft["n"] + 1

    @m.reducer("fail")
    def fail(draft, _):
        raise ValueError("no")

    inst = rt.mount(m)
    assert rt.in_transaction is False  # after the mount's window
    inst.dispatch("inc", None)
    assert seen == [True] and rt.in_transaction is False
    with pytest.raises(ReducerError):
        inst.dispatch("fail", None)
    assert rt.in_transaction is False
