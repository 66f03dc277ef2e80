"""The ids a window takes from its instance's counters, to the number (docs/rules/transactions.md, Ids): txnSeq
counts the windows, a fallback link `::l<n>` counts the windows no caller linked, and every operation (a window
that belongs to no run of the instance, each step execution) takes the next opSeq, with no gaps; a window of one
of the instance's runs takes the run's opSeq. A window that changes nothing still takes its ids."""

from __future__ import annotations

import pytest

from runtime import Module, Runtime, computed


def counter() -> Module:
    m = Module("counter", {"n": 0, "double": 0}, fields=[computed("double", deps=["n"], derive=lambda n: n * 2)])

    @m.reducer("add")
    def add(draft, k):
        draft["n"] += k

    @m.reducer("nothing")
    def nothing(draft, _):
        pass

    return m


@pytest.mark.parametrize("level", ["off", "full"])
def test_each_window_takes_the_next_txn_seq_fallback_link_and_op_seq(level):
    inst = Runtime(diagnostics=level).mount(counter())
    # the mount's own window took t1, l1 and o1, and its one step execution o2
    seen = []
    for action, link in [("add", None), ("add", "caller"), ("nothing", None), ("add", None)]:
        record = inst.dispatch(action, 1, link_id=link)
        seen.append(None if record is None else (record.txn_id, record.link_id, record.op_seq))
    assert seen == [
        ("counter#1::t2", "counter#1::l2", 3),
        ("counter#1::t3", "caller", 5),  # a caller's link takes no fallback number; its window is an op of its own
        None,  # changed nothing, yet was a transaction: t4, l3, o7
        ("counter#1::t5", "counter#1::l4", 8),
    ]


def test_a_window_s_step_executions_take_the_op_seqs_right_after_the_window_s():
    inst = Runtime(diagnostics="full").mount(counter())
    ops = []
    for link in (None, "caller", None):
        record = inst.dispatch("add", 1, link_id=link)
        assert record is not None
        ops.append([(p.op, p.step_id is not None) for p in record.patches])
    # (opSeq of the patch, written by a step): the reducer's write carries the window's op, the derived one its step's
    assert ops == [[(3, False), (4, True)], [(5, False), (6, True)], [(7, False), (8, True)]]


def test_a_window_of_one_of_the_instance_s_runs_takes_the_run_s_op_seq_and_the_counter_goes_on_past_it():
    inst = Runtime(diagnostics="full").mount(counter())
    run = inst.next_op_seq()  # 3: an action run's op
    inside = inst.dispatch("add", 1, link_id=f"counter#1::o{run}")
    after = inst.dispatch("add", 1)
    assert inside is not None and after is not None
    assert (inside.link_id, inside.op_seq, [p.op for p in inside.patches]) == ("counter#1::o3", 3, [3, 4])
    assert (after.link_id, after.op_seq, [p.op for p in after.patches]) == ("counter#1::l2", 5, [5, 6])


def test_a_window_linked_to_another_instance_s_run_is_an_operation_of_its_own_whatever_its_id_ends_with():
    inst = Runtime().mount(counter())
    record = inst.dispatch("add", 1, link_id="another#1::o7")  # as long as this instance's prefix, then digits
    assert record is not None and (record.link_id, record.op_seq) == ("another#1::o7", 3)
