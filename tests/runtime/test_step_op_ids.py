"""Step executions are operations of their instance: each has a deterministic, unique op id `instanceId::o<opSeq>`
that contains its opSeq; a window's own operation has one too (the run it belongs to, or its own)."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from runtime import Module, Runtime, computed

OP_ID = re.compile(r"^chain#1::o(\d+)$")


def chain() -> Module:
    m = Module("chain", {"a": 0, "b": 0, "s": 0, "t": 0, "u": 0},
               fields=[computed("s", deps=["a"], derive=lambda a: a + 1),
                       computed("t", deps=["s", "b"], derive=lambda s, b: s + b),
                       computed("u", deps=["b"], derive=lambda b: -b)])

    @m.reducer("set")
    def set_(draft, kv):
        draft[kv[0]] = kv[1]

    return m


def op_ids(batches) -> tuple[list[int], list[str], list[str]]:
    rt = Runtime(diagnostics="full")
    inst = rt.mount(chain())
    txn_ops = []
    step_patch_ops, hotspot_ops = [], []
    for key, value in batches:
        record = inst.dispatch("set", (key, value))
        if record is None:
            continue
        txn_ops.append(record.op_seq)
        step_patch_ops += [f"chain#1::o{p.op}" for p in record.patches if p.step_id is not None]
        if record.converge is not None:
            hotspot_ops += [f"chain#1::o{hot[5]}" for hot in record.converge.top3]
    return txn_ops, step_patch_ops, sorted(hotspot_ops)  # the slowest-first order is the clock's, not the ids'



@settings(max_examples=60, deadline=None)
@given(batches=st.lists(st.tuples(st.sampled_from(["a", "b"]), st.integers(-3, 3)), min_size=1, max_size=10))
def test_op_ids_are_unique_deterministic_and_contain_their_op_seq(batches):
    txn_ops, patch_ops, hotspot_ops = op_ids(batches)
    assert len(set(patch_ops)) == len(patch_ops)  # one step execution, one op id
    for op_id in patch_ops + hotspot_ops:
        assert OP_ID.match(op_id), op_id
    step_seqs = {int(OP_ID.match(o).group(1)) for o in patch_ops + hotspot_ops}
    assert not step_seqs & set(txn_ops)  # a step's op is never the window's
    assert txn_ops == sorted(txn_ops) and len(set(txn_ops)) == len(txn_ops)
    assert op_ids(batches) == (txn_ops, patch_ops, hotspot_ops)  # the same run twice: the same ids


def test_a_window_of_a_run_takes_the_run_s_op_seq():
    rt = Runtime()
    inst = rt.mount(chain())
    run_seq = inst.next_op_seq()
    record = inst.dispatch("set", ("b", 2), link_id=f"chain#1::o{run_seq}")
    assert record.op_seq == run_seq
    other = inst.dispatch("set", ("b", 3), link_id="elsewhere#1::o1")  # not this instance's run: an op of its own
    assert other.op_seq > run_seq
