"""One transaction window on a bare owner: writes, converge and the record, with no instance or runtime."""

from __future__ import annotations

from typing import Any

import pytest

from runtime import AsyncEscapeError, Module, ReducerError, computed
from runtime.converge.config import ConvergeSettings, ResolvedConvergeConfig
from runtime.converge.executor import ExecResult
from runtime.converge.planner import Planner
from runtime.debug.hub import DebugHub
from runtime.debug.sink import DebugSink
from runtime.kernel.transaction import Transaction
from runtime.base.records import TxnOrigin


class Owner:
    """The WindowOwner protocol, filled in by hand."""

    def __init__(self, state: dict[str, Any]) -> None:
        module = Module("cart", state, fields=[computed("total", deps=["items.price"], derive=sum)])
        self.module_id = "cart"
        self.instance_id = "cart#1"
        self.shape = module.build_shape()
        self.planner = Planner(self.shape.ir)
        self.window_hooks: tuple[Any, ...] = ()
        self.state = state
        self.sink = DebugSink(DebugHub(10), "full", "t")
        self.degrades: list[str | None] = []
        self.ops = 0

    def operation_seq(self, link_id: str | None) -> int:
        self.ops += 1
        return self.ops

    def reserve_op_seqs(self) -> int:
        return self.ops

    def commit_op_seqs(self, base: int, count: int) -> None:
        self.ops = base + count

    def converge_config(self) -> ResolvedConvergeConfig:
        return ConvergeSettings().resolve(self.module_id)

    def report_degrade(self, txn: Transaction, res: ExecResult) -> None:
        self.degrades.append(res.degrade_reason)


def window(owner: Owner, seq: int = 1) -> Transaction:
    return Transaction(owner, seq, TxnOrigin("action", "add"))


def test_a_window_records_its_writes_and_derives_in_the_same_transaction() -> None:
    owner = Owner({"items": [{"price": 2}], "total": 2})
    txn = window(owner)
    txn.run_body(lambda draft: draft["items"].append({"price": 5}))
    out = txn.finish()
    assert out is not None
    record, state = out
    assert state["total"] == 7 and owner.state["total"] == 2  # the base was not mutated
    assert record.txn_id == "cart#1::t1" and record.patch_count == 2
    assert [p.reason for p in record.patches] == ["reducer", "trait-computed"]
    assert record.op_seq == 1 and [p.op for p in record.patches] == [1, 2]  # the window's op, then its step's


def test_a_window_without_effective_writes_commits_nothing() -> None:
    owner = Owner({"items": [], "total": 0})
    txn = window(owner)
    txn.run_body(lambda draft: None)
    assert txn.finish() is None


def test_a_raising_body_and_an_async_body_are_refused_before_anything_is_kept() -> None:
    owner = Owner({"items": [], "total": 0})

    def bad(draft: Any) -> None:
        draft["total"] = 5
        raise KeyError("nope")

    with pytest.raises(ReducerError, match="KeyError"):
        window(owner).run_body(bad)

    async def later(draft: Any) -> None:
        return None

    with pytest.raises(AsyncEscapeError, match="awaitable"):
        window(owner, 2).run_body(later)
    assert owner.state == {"items": [], "total": 0}


def test_a_failing_derivation_rolls_back_only_the_derived_writes() -> None:
    owner = Owner({"items": [{"price": 1}], "total": 1})
    txn = window(owner)
    txn.run_body(lambda draft: draft["items"].append({"price": "x"}))  # sum() of 1 and "x" raises
    out = txn.finish()
    assert out is not None
    record, state = out
    assert state["items"][-1] == {"price": "x"} and state["total"] == 1
    assert owner.degrades == ["runtime_error"]
    assert record.converge is not None and record.converge.outcome == "Degraded"
