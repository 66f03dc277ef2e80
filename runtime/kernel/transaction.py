"""One synchronous transaction window: the entry point writes, converge derives, and the result commits at most once.

    base writes (reducer, setState, writeback)  ->  converge (derived fields, same window)  ->  record
        |                                               |
        a raise aborts: the state stays as it was       a failing step or the budget degrades: derived writes are
        an awaitable escapes: aborted too               rolled back, base writes still commit

No effective write means no commit: `finish` returns None and nothing is published.
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from runtime.base.dirty import INDEXED, DirtyTracker, Evidence, infer_replace
from runtime.base.dirty_plan import DirtyPlan
from runtime.base.draft import DraftDict, WorkingState, unwrap_all
from runtime.base.paths import DirtySet
from runtime.base.records import (
    MAX_PATCHES,
    CommitMode,
    ConvergeOutcome,
    CheckRun,
    ConvergeRecord,
    DeferredConverge,
    PatchRecord,
    TxnOrigin,
    TxnPriority,
    TxnRecord,
)
from runtime.base.state_root import STATE_MAPPINGS
from runtime.converge.kernel_cache import run_converge
from runtime.converge.executor import AsyncDerive
from runtime.converge.ir import Step
from runtime.errors import AsyncEscapeError, ReducerError

if TYPE_CHECKING:
    from runtime.converge.config import ResolvedConvergeConfig
    from runtime.converge.executor import ExecResult
    from runtime.converge.ir import StaticIr
    from runtime.converge.planner import Decision, Planner
    from runtime.debug.sink import DebugSink
    from runtime.kernel.module import ModuleShape

__all__ = ["Body", "NO_PAYLOAD", "Transaction", "WindowHook", "WindowOwner", "window_what"]

NO_PAYLOAD: Any = object()
"""run_body's payload when the body is an entry point's own function of the draft alone (not a reducer)."""

Body = Callable[[DraftDict], Any]
"""Writes through the draft; may return a whole new state (a replace) instead of writing."""
WindowHook = Callable[["Transaction", DraftDict, DirtySet], None]
"""Called as (transaction, draft, base_dirty) inside a window; see ModuleInstance.add_window_hook."""


class WindowOwner(Protocol):
    """What a transaction reads of the instance it runs on (a ModuleInstance)."""

    module_id: str
    instance_id: str
    shape: ModuleShape
    planner: Planner
    window_hooks: tuple[tuple[WindowHook, str], ...]

    def operation_seq(self, link_id: str | None) -> int:
        """The opSeq of a window's operation: the run `link_id` names, or a new one."""
        ...

    def reserve_op_seqs(self) -> int:
        """The opSeq after which step executions number theirs (base + 1, base + 2, ...)."""
        ...

    def commit_op_seqs(self, base: int, count: int) -> None:
        """`count` step executions took the opSeqs after `base`."""
        ...

    @property
    def state(self) -> dict[str, Any]: ...

    @property
    def sink(self) -> DebugSink: ...

    def converge_config(self) -> ResolvedConvergeConfig: ...

    def report_degrade(self, txn: Transaction, res: ExecResult) -> None: ...

_STEP_REASON = {"computed": "trait-computed", "link": "trait-link", "check": "trait-check"}


_NO_DERIVED_WRITES = DirtyTracker()
"""The derived writes of a window that has not converged: nothing. Never written (converge gives a window a tracker
of its own), so windows of modules without derived fields allocate none."""


def window_what(origin: TxnOrigin, instance_id: str, txn_id: str) -> str:
    """A window as error messages name it: `action 'add' on counter#1 (counter#1::t3)`."""
    name = f" {origin.name!r}" if origin.name else ""
    return f"{origin.kind}{name} on {instance_id} ({txn_id})"


class Transaction:
    """The window of one entry point on one instance. Created, run and finished by ModuleInstance."""

    __slots__ = (
        "_base_dirty", "_classifier", "_classify", "_derived_dirty", "_evidence", "_full", "_patches", "_reason",
        "_replaced", "_step", "_step_op", "_t0", "_tracker", "_truncated", "base", "commit_mode", "converge", "inst",
        "link_id", "op_seq", "origin", "patch_count", "priority", "started_at", "txn_id", "txn_seq", "ws",
    )

    def __init__(
        self,
        inst: WindowOwner,
        txn_seq: int,
        origin: TxnOrigin,
        *,
        commit_mode: CommitMode = "normal",
        priority: TxnPriority = "normal",
        reason: str = "reducer",
        link_id: str | None = None,
        evidence: list[Evidence] | None = None,
        op_seq: int | None = None,
    ) -> None:
        """`op_seq`: the opSeq of the window's operation when the caller worked it out (else asked of `inst`)."""
        self.inst = inst
        self.txn_seq = txn_seq
        self.txn_id = f"{inst.instance_id}::t{txn_seq}"
        self.origin = origin
        self.commit_mode = commit_mode
        self.priority = priority
        self.link_id = link_id
        self.started_at = inst.sink.clock.now_ms()
        self._t0 = time.perf_counter()
        self._full = inst.sink.full
        self.op_seq = inst.operation_seq(link_id) if op_seq is None else op_seq
        """The opSeq of this window's operation (the run it belongs to, or one of its own)."""
        self._classifier = inst.shape.classifier
        self._classify = self._classifier.classify
        self._evidence = evidence
        self._step_op = self.op_seq
        self.base = inst.state
        # Patches are evidence of full diagnostics only: below it a write records its dirty evidence and nothing else.
        # Below full, the draft sets registered top-level keys itself and the window records their ids in bulk.
        self.ws = WorkingState(self.base, self._on_write_full if self._full else self._on_write,
                               None if self._full else (self._classifier.top_ids, self._on_top_writes))
        self._reason = reason
        self._step: Step | None = None
        self._base_dirty = DirtyTracker()
        self._derived_dirty = _NO_DERIVED_WRITES
        self._tracker = self._base_dirty
        self._replaced = False
        self.patch_count = 0
        self._patches: list[PatchRecord] = []
        self._truncated = False
        self.converge: ConvergeRecord | DeferredConverge | None = None
        """The converge decision of this window (diagnostics on), kept even when the window commits nothing."""

    # -- writes -----------------------------------------------------------------------------------------------------

    def _on_write(self, raw: tuple[Any, ...], old: Any, new: Any) -> Any:
        """Record one write's dirty evidence; returns its FieldPathId (int) or dirty-all reason (str)."""
        self.patch_count += 1
        return self._classifier.record(self._tracker, raw, self.ws.root, old, new)

    def _on_top_writes(self, keys: list[str]) -> None:
        """The top-level writes the draft made itself (WorkingState.flush): what `_on_write` records of each."""
        self.patch_count += len(keys)
        self._tracker.ids.update(dict.fromkeys(map(self._classifier.top_ids.__getitem__, keys)))

    def _on_write_full(self, raw: tuple[Any, ...], old: Any, new: Any) -> None:
        """At full diagnostics: the dirty evidence and the patch (at most MAX_PATCHES of them)."""
        classified = self._on_write(raw, old, new)
        if len(self._patches) >= MAX_PATCHES:
            self._truncated = True
            return
        step = self._step
        self._patches.append(
            PatchRecord(
                op_seq=self.patch_count,
                path=raw,
                path_id=classified if classified.__class__ is int else None,
                reason=_STEP_REASON[step.kind] if step else self._reason,
                step_id=step.step_id if step else None,
                node=step.name if step else None,
                before=old,
                after=new,
                op=self._step_op,
            )
        )

    def _set_step(self, step: Step | None, op_seq: int) -> None:
        self._step = step
        self._step_op = op_seq

    def dirty_plan(self) -> DirtyPlan:
        """The dirty plan snapshot of every write so far (base and derived); the same object until a new write
        adds something (docs/rules/transactions.md)."""
        return self._current_base().plan(self.inst.shape.registry, (self._derived_dirty,))

    def changed_rows(self, list_path_id: int) -> tuple[int, ...] | None:
        """The rows of a top-level list this transaction's own writes touched, from its evidence; None when every
        row may have changed (the list or a prefix of it written, rows inserted or removed, dirty-all)."""
        return self._current_base().changed_rows(self.inst.shape.registry, list_path_id)

    def run_body(self, body: Callable[..., Any], payload: Any = NO_PAYLOAD) -> None:
        """Run one entry point's writes, `body(draft)` (or a reducer's `body(draft, payload)`); raises ReducerError
        or AsyncEscapeError (nothing is kept then)."""
        draft = DraftDict(self.ws)
        try:
            result = body(draft) if payload is NO_PAYLOAD else body(draft, payload)
        except (ReducerError, AsyncEscapeError):
            raise
        except Exception as exc:
            raise ReducerError(
                f"{self._what()} raised {type(exc).__name__}: {exc}",
                txn_id=self.txn_id,
                module_id=self.inst.module_id,
                instance_id=self.inst.instance_id,
            ) from exc
        if result is None or isinstance(result, (DraftDict,)):
            return
        if inspect.isawaitable(result):
            if inspect.iscoroutine(result):
                result.close()
            raise AsyncEscapeError(
                f"{self._what()} returned an awaitable: async work cannot run inside a transaction window; "
                "write a pending transaction, do the I/O, then write the result in another transaction",
                txn_id=self.txn_id,
                module_id=self.inst.module_id,
                instance_id=self.inst.instance_id,
            )
        self.replace_root(result)

    def replace_root(self, new_root: Any) -> None:
        """Replace the whole state (setState, a reducer returning a state); its dirty paths are inferred later."""
        if not isinstance(new_root, STATE_MAPPINGS):
            raise ReducerError(
                f"{self._what()} produced a state of type {type(new_root).__name__}; a module state is a dict",
                txn_id=self.txn_id,
                module_id=self.inst.module_id,
                instance_id=self.inst.instance_id,
            )
        if new_root is self.ws.root:
            return
        new_root = unwrap_all(new_root)  # before adopting: the proxies in it resolve through the current root
        old = self.ws.root
        self.ws.adopt(new_root)
        self._replaced = True
        self._on_write((), old, new_root)

    def _what(self) -> str:
        return window_what(self.origin, self.inst.instance_id, self.txn_id)

    # -- finish -----------------------------------------------------------------------------------------------------

    def _current_base(self) -> DirtyTracker:
        """The base writes' tracker, with a whole-state replace turned into what it changed."""
        self.ws.flush()
        if self._replaced:
            replaced = self._base_dirty
            self._base_dirty = self._replace_evidence()
            self._replaced = False
            if self._tracker is replaced:  # later base writes (window hooks) add to what the replace changed
                self._tracker = self._base_dirty
        return self._base_dirty

    def _replace_evidence(self) -> DirtyTracker:
        # The replace itself was recorded as a write of the root path, which is no field: explicit evidence says
        # what it changed, else a replace marked `perf` is unknownWrite, else it is inferred one level down.
        tracker = DirtyTracker()
        root = self.ws.root
        inferred = infer_replace(self.base, root)
        if inferred == []:
            self._evidence = None
            return tracker  # every top-level value is the one that was there: nothing changed, nothing commits
        if self._evidence is not None:
            self._classifier.record_evidence(tracker, self._evidence, root)
            self._evidence = None
            return tracker
        if inferred is None or self._reason == "perf":
            tracker.add_reason("unknownWrite")
            return tracker
        for raw in inferred:
            classified = self._classify(raw)
            if classified is INDEXED:
                self._classifier.record_indexed(tracker, raw, root)
            else:
                tracker.add(classified)
                value = root.get(raw[0]) if len(raw) == 1 else None
                if classified.__class__ is int and value.__class__ is list:
                    tracker.touch_list(classified, "")
        return tracker

    def _base_dirty_set(self) -> DirtySet:
        tracker = self._current_base()
        if self._evidence is not None and self.patch_count:  # explicit evidence of draft writes adds to them
            self._classifier.record_evidence(tracker, self._evidence, self.ws.root)
            self._evidence = None
        return tracker.snapshot(self.inst.shape.registry)

    def finish(self, converge_all: bool = False) -> tuple[TxnRecord, Any] | None:
        """Converge and build the record; None when nothing changed (no commit).

        `converge_all` converges even without base writes (an instance's first converge at mount).
        """
        self.ws.flush()  # the draft's own top-level writes are recorded before the dirty set is read
        inst = self.inst
        shape = inst.shape
        registry = shape.registry
        # The base writes' dirty set; plain draft writes (the common window) need no replace or evidence folded in.
        if self._replaced or self._evidence is not None:
            base_dirty = self._base_dirty_set()
        else:
            base_dirty = self._base_dirty.snapshot(registry)
        empty = not base_dirty.dirty_all and not base_dirty.root_ids  # DirtySet.empty, spelled out
        if inst.window_hooks and not empty:
            self._run_window_hooks(base_dirty)
            base_dirty = self._base_dirty_set()
            empty = base_dirty.empty
        if empty and not converge_all:
            return None
        converge = self._converge(base_dirty) if shape.ir.steps else None
        self.converge = converge
        derived = self._derived_dirty
        if empty and not derived.ids and derived.reason is None:
            return None
        # Converge wrote nothing (or there is none): every write is a base write, and that dirty set is at hand.
        dirty = (self._base_dirty.snapshot_with(registry, derived) if derived.ids or derived.reason is not None
                 else base_dirty)
        state = self.ws.root
        record = TxnRecord(
            module_id=inst.module_id,
            instance_id=inst.instance_id,
            txn_seq=self.txn_seq,
            txn_id=self.txn_id,
            origin=self.origin,
            commit_mode=self.commit_mode,
            priority=self.priority,
            started_at=self.started_at,
            duration_ms=(time.perf_counter() - self._t0) * 1000.0,
            dirty=dirty,
            base_dirty=base_dirty,
            plan_of=(self._base_dirty, self._derived_dirty, registry),
            op_seq=self.op_seq,
            patch_count=self.patch_count,
            patches=tuple(self._patches) if self._patches else (),
            patches_truncated=self._truncated,
            static_ir_digest=shape.ir.digest,
            link_id=self.link_id,
            converge=converge,  # type: ignore[arg-type]  # a DeferredConverge is built when read
            before=self.base if self._full else None,
            after=state if self._full else None,
        )
        return record, state

    def _run_window_hooks(self, base_dirty: DirtySet) -> None:
        draft = DraftDict(self.ws)
        reason = self._reason
        for hook, hook_reason in self.inst.window_hooks:
            self._reason = hook_reason
            try:
                hook(self, draft, base_dirty)
            except Exception as exc:
                raise ReducerError(
                    f"window hook {hook!r} raised {type(exc).__name__}: {exc} during {self._what()}",
                    txn_id=self.txn_id, module_id=self.inst.module_id, instance_id=self.inst.instance_id,
                ) from exc
            finally:
                self._reason = reason

    def _converge(self, base_dirty: DirtySet) -> ConvergeRecord | DeferredConverge | None:
        """Run converge; the decision record is built only while diagnostics are on (None at off)."""
        inst = self.inst
        ir = inst.shape.ir
        planner = inst.planner
        cfg = inst.converge_config()
        sink = inst.sink
        on = sink.on
        decision = None
        if on:
            decision = planner.decide(dirty=base_dirty, requested=cfg.mode, decision_budget_ms=cfg.decision_budget_ms)
            plan = decision.plan
        else:
            plan = planner.choose(base_dirty, cfg.mode)
        order = ir.topo_order if plan is None else plan
        sampling = cfg.sampling
        sampled = sink.level == "sampled" and (self.txn_seq - 1) % sampling.sample_every_n == 0
        timed = sink.full or sampled
        self.ws.start_undo()
        patch_mark, patches_mark, truncated_mark = self.patch_count, len(self._patches), self._truncated
        self._tracker = self._derived_dirty = DirtyTracker()
        op_base = inst.reserve_op_seqs()
        try:
            res, exec_vm = run_converge(ir, planner.kernels, cfg.assembly, plan, self.ws,
                                        self._set_step if self._full else None, cfg.budget_ms, timed, op_base,
                                        self.changed_rows, traced=on, dirty_ids=self._derived_dirty.ids)
        except AsyncDerive as escape:
            raise AsyncEscapeError(
                f"{escape.step.name} returned an awaitable during {self._what()}: derivations must be synchronous",
                txn_id=self.txn_id,
                module_id=inst.module_id,
                instance_id=inst.instance_id,
            ) from None
        finally:
            self._tracker = self._base_dirty
            self._step = None
            self._step_op = self.op_seq
        inst.commit_op_seqs(op_base, res.executed)
        self.patch_count += res.direct_writes  # the writes the kernels made themselves, their ids marked already
        if res.degrade_reason:
            self.ws.rollback()
            self._derived_dirty = DirtyTracker()
            self.patch_count = patch_mark
            del self._patches[patches_mark:]
            self._truncated = truncated_mark
            inst.report_degrade(self, res)
            outcome: ConvergeOutcome = "Degraded"
        else:
            self.ws.stop_undo()
            outcome = "Converged" if res.changed else "Noop"
            if plan is None:
                planner.note_full_duration(res.duration_ms)
        if decision is None:
            return None
        # The decision record, built when read (runtime.base.records.DeferredConverge): what it is made of is held
        # as it is, the counters that change later (cache, generation, path count) are taken now.
        checks = tuple(res.checks) if res.checks else ()
        args = (decision, res, cfg, ir, outcome, len(order), sampled, checks, base_dirty, sink.full, exec_vm,
                *planner.record_evidence(decision, ir))
        if res.degrade_reason:  # rare, and its result holds the error and its frames: built now
            return converge_record(*args)
        return DeferredConverge(converge_record, args, checks, exec_vm, ir.digest)


def converge_record(decision: Decision, res: ExecResult, cfg: ResolvedConvergeConfig, ir: StaticIr,
                    outcome: ConvergeOutcome, affected: int, sampled: bool, checks: tuple[CheckRun, ...],
                    base_dirty: DirtySet, full: bool, exec_vm: Any, cache: dict[str, Any], generation: dict[str, Any],
                    field_path_count: int) -> ConvergeRecord:
    """The ConvergeRecord of one window's converge (Transaction._converge hands these over, built when read)."""
    sampling = cfg.sampling
    top: tuple[tuple[int, int, float, bool, str, int], ...] = ()
    if res.timings:
        slowest = sorted(res.timings, key=lambda t: t[1], reverse=True)[:sampling.top_k]
        top = tuple((sid, ir.steps[sid].out_id, ms, ch, ir.steps[sid].kind, op) for sid, ms, ch, op in slowest)
    return ConvergeRecord(
        requested_mode=decision.requested_mode,
        executed_mode=decision.executed_mode,
        outcome=outcome,
        reasons=decision.reasons,
        config_scope=cfg.scope,
        static_ir_digest=ir.digest,
        execution_budget_ms=cfg.budget_ms,
        execution_ms=res.duration_ms,
        decision_budget_ms=cfg.decision_budget_ms,
        decision_ms=decision.decision_ms,
        total_steps=len(ir.steps),
        executed_steps=res.executed,
        changed_steps=res.changed,
        affected_steps=affected,
        degrade_reason=res.degrade_reason,
        cache=cache,
        generation=generation,
        field_path_count=field_path_count,
        ir_build_ms=ir.build_duration_ms,
        top3=top,
        sampled=sampled,
        sample_every_n=sampling.sample_every_n,
        top_k=sampling.top_k,
        dirty=base_dirty,
        checks=checks,
        steps=tuple(res.timings) if full else (),
        exec_vm=exec_vm,
    )
