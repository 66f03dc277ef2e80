"""A window that belongs to no run of its instance is an operation of its own and takes the next opSeq, exactly one
(`instanceId::o<opSeq>` ids read 1, 2, 3 ...); a converge's step executions take the opSeqs right after their window's;
a window of a run takes the run's opSeq and uses up none."""

from __future__ import annotations

from runtime import Module, Runtime, computed


def pair(*, derived: bool) -> Module:
    fields = [computed("double", deps=["n"], derive=lambda n: 2 * n)] if derived else []
    return Module("pair", initial={"n": 0, "double": 0}, fields=fields,
                  reducers={"set": lambda d, n: d.__setitem__("n", n)})


def test_windows_of_their_own_take_consecutive_op_seqs():
    inst = Runtime().mount(pair(derived=False), "p#1")
    assert [inst.dispatch("set", n).op_seq for n in (1, 2, 3)] == [1, 2, 3]
    # a link that names no run of this instance (another instance's run, a plain tag) is one new operation too
    assert inst.dispatch("set", 4, link_id="other#1::o9").op_seq == 4
    assert inst.dispatch("set", 5, link_id="checkout").op_seq == 5
    assert inst.next_op_seq() == 6


def test_step_executions_follow_their_window_and_a_runs_windows_use_up_no_op_seq():
    rt = Runtime(diagnostics="full")
    inst = rt.mount(pair(derived=True), "p#1")
    first = inst.dispatch("set", 1)  # the mount's first converge was operation 1, its step's execution 2
    assert first.op_seq == 3 and [p.op for p in first.patches] == [3, 4]  # the window's op, then its step's
    run = inst.next_op_seq()
    assert run == 5
    linked = [inst.dispatch("set", n, link_id=f"p#1::o{run}") for n in (2, 3)]
    assert [r.op_seq for r in linked] == [5, 5]
    assert [p.op for p in linked[0].patches] == [5, 6] and [p.op for p in linked[1].patches] == [5, 7]
    assert inst.dispatch("set", 4).op_seq == 8
