"""The fused dispatch: a reducer's whole window in one function, for the common case.

`ModuleInstance.dispatch` takes this way when the diagnostics are off, no window is open, the call names no link, the
instance has no window hooks and no owned fields and its host is a kernel with a tick layer (attribute reads only,
no call). Then one function opens the window, runs the reducer on a draft, converges through the converge entry the
transaction uses, builds the commit record once, commits, calls the subscribers and closes the window through the
kernel, which publishes the lone commit with the tick layer's short tick.

What a user sees is what the general way (Kernel.enter -> ModuleInstance._run -> Transaction) gives: the same
records, states, ids, listener calls and ticks, in the same order (tests/runtime/test_dispatch_paths_property.py
runs both over random sequences). What it leaves out is what nobody reads at off: the Transaction object, the
window's partial and the hops between kernel, instance, transaction and scheduler; the dirty sets of a write
pattern seen before are taken from a memo. What it cannot do in a line, it hands to the general code where it
happens: a reducer that returns a state or an awaitable goes on in a Transaction with what it wrote so far.

At diagnostics light it takes this way too (besides: no check steps, no tap or feed on the hub): the converge
decision is taken as a window with diagnostics on takes it (Planner.decide, the traced kernels) and kept unbuilt
(DeferredConverge), and the window's events go into the one hub entry ModuleInstance.dispatch opened with its
action event (runtime.debug.dispatch_events); a commit that dirtied everything, or whose entry was recorded
meanwhile, is exported the general way (tests/runtime/test_light_dispatch_property.py runs both at light).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from time import perf_counter
from typing import TYPE_CHECKING, Any, Protocol

from runtime.base.dirty import DirtyTracker
from runtime.base.draft import DraftDict, WorkingState
from runtime.base.paths import DirtySet
from runtime.base.records import ConvergeRecord, DeferredConverge, TxnOrigin, TxnRecord
from runtime.base.state_root import note_root_writes
from runtime.converge.assembly import Kernel, kernel_failed
from runtime.converge.executor import AsyncDerive, ExecResult
from runtime.converge.kernel_cache import run_converge
from runtime.errors import AsyncEscapeError, ReducerError, TransactionError
from runtime.kernel.transaction import NO_PAYLOAD, Transaction, converge_record, window_what

if TYPE_CHECKING:
    from runtime.converge.config import ResolvedConvergeConfig
    from runtime.converge.ir import StaticIr
    from runtime.converge.planner import Decision, Planner
    from runtime.debug.dispatch_events import DispatchEvents
    from runtime.debug.sink import DebugSink
    from runtime.kernel.module import ModuleShape

__all__ = ["DIRTY_SET_MEMO", "KERNEL_MEMO", "FusedHost", "FusedOwner", "WindowIds", "dispatch_fused"]

DIRTY_SET_MEMO = 512
"""Write patterns whose dirty sets an instance keeps (the memo starts over when full)."""

KERNEL_MEMO = 64
"""Plans whose whole assembled kernel an instance keeps (the memo starts over when full)."""

_NOTHING_DERIVED = DirtyTracker()
"""The derived writes of a window without converge: nothing (never written)."""


class WindowIds:
    """What a report about a window names it by (a Transaction has the same three)."""

    __slots__ = ("txn_seq", "txn_id", "link_id")

    def __init__(self, txn_seq: int, txn_id: str, link_id: str | None) -> None:
        self.txn_seq = txn_seq
        self.txn_id = txn_id
        self.link_id = link_id


class FusedHost(Protocol):
    """What a fused window needs of its kernel (runtime.kernel.kernel.Kernel)."""

    in_transaction: bool
    fused_windows: bool

    def listener_threw(self, inst: Any, record: TxnRecord, listener: Callable[..., None], exc: Exception) -> None: ...

    def end_window(self) -> None: ...

    def finish_window(self) -> None: ...

    def close_fused(self, inst: Any, record: TxnRecord, state: Any) -> None: ...


class FusedOwner(Protocol):
    """The instance a fused window runs on (a ModuleInstance: dispatch_fused is one of its methods)."""

    module_id: str
    instance_id: str
    sink: DebugSink
    shape: ModuleShape
    planner: Planner
    state: Any
    fused_host: FusedHost | None
    dirty_sets: dict[Any, DirtySet]
    fused_kernels: dict[tuple[int, ...] | None, tuple[Any, Kernel]]
    traced_kernels: dict[tuple[int, ...] | None, tuple[Any, Kernel]]
    _txn_seq: int
    _link_seq: int
    _link_prefix: str
    _op_seq: int
    _listeners: list[Callable[[TxnRecord, Any], None]]

    @property
    def history(self) -> Any: ...

    def converge_config(self) -> ResolvedConvergeConfig: ...

    def report_degrade(self, txn: WindowIds, res: ExecResult) -> None: ...

    def report_failed(self, err: TransactionError, txn_seq: int, txn_id: str, link_id: str | None) -> None: ...

    def close_window(self, txn: Transaction, body: Callable[..., Any], payload: Any,
                     converge_all: bool) -> TxnRecord | None: ...

    def export_commit(self, record: TxnRecord, state: Any) -> None: ...

    def announce_ir(self) -> None: ...


def dispatch_fused(self: FusedOwner, reducer: Callable[[Any, Any], Any], origin: TxnOrigin,
                   payload: Any, entry: DispatchEvents | None = None) -> TxnRecord | None:
    """One dispatch's window, the general way's steps in one frame (the caller checked the module's gate); with
    `entry`, at diagnostics light: the dispatch's events join it (the caller opened it with its action event, and
    records it when the window is over unless something recorded it earlier)."""
    host = self.fused_host
    assert host is not None  # the gate in dispatch checked it
    host.in_transaction = True  # Kernel.enter, without the hop
    seq = self._txn_seq = self._txn_seq + 1
    self._link_seq += 1
    link_id = f"{self._link_prefix}{self._link_seq}"
    op_seq = self._op_seq = self._op_seq + 1  # a fallback link names no run: the window is an operation of its own
    iid = self.instance_id
    sink = self.sink
    txn_id = f"{iid}::t{seq}"
    started_at = sink.clock.now_ms() if entry is None else entry.action_at  # at light, the action event's time
    t0 = perf_counter()
    base = self.state
    shape = self.shape
    classifier = shape.classifier
    top_ids = classifier.top_ids
    base_writes = DirtyTracker()
    current = [base_writes]  # where writes are recorded: the base writes, the derived ones during converge
    keys: list[str] = []  # the top-level keys the draft set itself, told at each flush (list.extend: no frame)
    patches = 0

    def on_write(raw: tuple[Any, ...], old: Any, new: Any) -> Any:
        """Transaction._on_write: the keys the draft set first (write order), then this write."""
        nonlocal patches
        patches += len(keys) + 1
        current[0].ids.update(dict.fromkeys(map(top_ids.__getitem__, keys)))
        keys.clear()
        return classifier.record(current[0], raw, ws.root, old, new)

    ws = WorkingState(base, on_write, (top_ids, keys.extend))
    try:
        try:
            result = reducer(DraftDict(ws), payload)
        except (ReducerError, AsyncEscapeError):
            raise
        except Exception as exc:
            raise ReducerError(f"{window_what(origin, iid, txn_id)} raised {type(exc).__name__}: {exc}",
                               txn_id=txn_id, module_id=self.module_id, instance_id=iid) from exc
        ws.flush()
    except BaseException as err:
        _abort(self, host, ws, err, seq, txn_id, link_id)
        raise
    if result is not None and not isinstance(result, DraftDict) and result is not ws.root:
        ws.release()
        return _go_on_in_transaction(self, host, seq, origin, link_id, op_seq, patches + len(keys), result)
    try:
        patches += len(keys)  # what the draft set itself, recorded by id in bulk (Transaction._on_top_writes)
        base_writes.ids.update(dict.fromkeys(map(top_ids.__getitem__, keys)))
        keys.clear()
        registry = shape.registry
        sets = self.dirty_sets
        base_key = tuple(base_writes.ids) if base_writes.reason is None else None
        found = sets.get(base_key)
        base_dirty = found if found is not None else _remember(sets, base_key, base_writes.snapshot(registry))
        if base_dirty.dirty_all is False and not base_dirty.root_ids:  # nothing changed: no commit
            ws.release()
            host.end_window()
            return None
        derived = _NOTHING_DERIVED
        ir = shape.ir
        converge = None
        if ir.steps:
            patch_mark = patches
            current[0] = DirtyTracker()
            op_base = self._op_seq
            try:
                derived, direct, degraded, executed, converge = _converge(
                    self, ws, base_writes, base_dirty, current[0], origin, (seq, txn_id, link_id), op_base,
                    entry is not None)
            finally:
                current[0] = base_writes
            self._op_seq = max(self._op_seq, op_base + executed)  # the opSeqs its step executions took
            patches = patch_mark if degraded else patches + direct
        dirty = base_dirty
        if derived.ids or derived.reason is not None:
            key = None if base_key is None or derived.reason is not None else (base_key, tuple(derived.ids))
            found = sets.get(key)
            dirty = found if found is not None else _remember(sets, key, base_writes.snapshot_with(registry, derived))
        state = ws.root
        t_end = perf_counter()
        # positional, in TxnRecord's field order (twenty keywords cost more than the rest of the record)
        record = TxnRecord(self.module_id, iid, seq, txn_id, origin, "normal", "normal", started_at,
                           (t_end - t0) * 1000.0, dirty, base_dirty, patches, (), False, ir.digest, link_id,
                           converge, None, None, (base_writes, derived, registry), op_seq)  # type: ignore[arg-type]
        ws.release()
        self.state = state
        if sink.on:  # at light, or switched on inside the window
            _export(self, sink, entry, record, state, converge, t_end)
        if self._listeners:
            for listener in tuple(self._listeners):
                try:  # Kernel.notify, without its frame: one failing subscriber must not keep the others deaf
                    listener(record, state)
                except Exception as exc:
                    host.listener_threw(self, record, listener, exc)
    except BaseException as err:
        _abort(self, host, ws, err, seq, txn_id, link_id)
        raise
    host.close_fused(self, record, state)
    return record


def _export(inst: FusedOwner, sink: DebugSink, entry: DispatchEvents | None, record: TxnRecord, state: Any,
            converge: ConvergeRecord | DeferredConverge | None, t_end: float) -> None:
    """What ModuleInstance._commit does with diagnostics on: the history takes the record and the commit's events
    are exported; at light they join the dispatch's entry, unless it was recorded meanwhile (or the commit dirtied
    everything: its diagnostic comes first)."""
    inst.history.append(record)
    if entry is not None and sink.light and not record.dirty.dirty_all:
        inst.announce_ir()  # first, as _export does: a new IR is announced before the events that name it
        if sink.dispatch_committed(entry, record, state, converge, t_end):
            return
    inst.export_commit(record, state)


def _abort(inst: FusedOwner, host: FusedHost, ws: WorkingState, err: BaseException, txn_seq: int, txn_id: str,
           link_id: str) -> None:
    """A fused window raised: what ModuleInstance._run and Kernel.enter do then (nothing of it is kept)."""
    if isinstance(err, TransactionError):
        inst.report_failed(err, txn_seq, txn_id, link_id)
    ws.release()
    host.end_window()


def _remember(sets: dict[Any, DirtySet], key: Any, dirty: DirtySet) -> DirtySet:
    """Keep `dirty` for its write pattern (`key`; None: a dirty-all one, not kept)."""
    if key is not None:
        if len(sets) >= DIRTY_SET_MEMO:
            sets.clear()
        sets[key] = dirty
    return dirty


def _keep_kernel(memo: dict[tuple[int, ...] | None, tuple[Any, Kernel]], ir: Any, plan: tuple[int, ...] | None,
                 kernel: Kernel | None) -> None:
    """Keep the plan's whole kernel (the one run_converge would pick: direct, unnotified, untimed, traced at light)
    for the next window on `ir`; the kernel cache is only asked again when the IR changed."""
    if kernel is not None:
        if len(memo) >= KERNEL_MEMO:
            memo.clear()
        memo[plan] = (ir, kernel)


def _converge(inst: FusedOwner, ws: WorkingState, base_writes: DirtyTracker, base_dirty: DirtySet,
              derived: DirtyTracker, origin: TxnOrigin, ids: tuple[int, str, str], op_base: int,
              light: bool) -> tuple[DirtyTracker, int, bool, int, ConvergeRecord | DeferredConverge | None]:
    """Transaction._converge at diagnostics off or light: the plan and the converge entry, and on a failing step or
    the budget run out, the derived writes taken back and reported. Returns the derived writes that stand, the writes
    the kernels made themselves (their ids marked already), whether it degraded, how many steps it executed (their
    opSeqs follow `op_base`) and, at light, the converge decision's record (built when read unless it degraded)."""
    cfg = inst.converge_config()
    planner = inst.planner
    shape = inst.shape
    ir = shape.ir
    decision = None
    if light:  # the decision with its evidence, as a window with diagnostics on takes it
        decision = planner.decide(base_dirty, cfg.mode, cfg.decision_budget_ms)
        plan = decision.plan
        memo = inst.traced_kernels
    else:
        plan = planner.choose(base_dirty, cfg.mode)
        memo = inst.fused_kernels
    ws.start_undo()
    kept = memo.get(plan) if cfg.assembly else None
    res: ExecResult | None = None
    try:
        # at off, a plan without a kept kernel may be a short one of plain steps (light takes the traced kernels,
        # whose exec-vm evidence its converge record names)
        short = None if light or kept is not None or plan is None or not cfg.assembly else _run_short(
            planner, ir, plan, ws, derived.ids)
        if short is not None:
            executed, reason, direct, res = short
            exec_vm = None
            duration_ms = 0.0  # read after a full converge only, and this was a plan
        elif kept is not None and kept[0] is ir:  # assembled whole before, for this IR: run_kernel's work, here
            kernel = kept[1]
            exec_vm = kernel.evidence
            t_run = perf_counter()
            try:
                executed, changed, reason, direct = kernel.fn(ws, None, op_base, t_run + cfg.budget_ms / 1000.0,
                                                              perf_counter, None, None, derived.ids)
            except AsyncDerive:
                raise
            except Exception as exc:  # a failing derivation degrades the window, anything else goes through
                res = ExecResult()
                if not kernel_failed(kernel, ir, ir.topo_order if plan is None else plan, exc, res):
                    raise
                executed, changed, reason, direct = res.executed, res.changed, res.degrade_reason, res.direct_writes
            if direct:
                note_root_writes(ws.root, direct)
            duration_ms = (perf_counter() - t_run) * 1000.0
            if reason is not None:
                if res is None:  # the budget ran out between steps
                    res = ExecResult(executed, changed, reason, direct_writes=direct)
                res.duration_ms = duration_ms
        else:
            res, exec_vm = run_converge(ir, planner.kernels, cfg.assembly, plan, ws, None, cfg.budget_ms, False,
                                        op_base, partial(base_writes.changed_rows, shape.registry), traced=light,
                                        dirty_ids=derived.ids)
            if exec_vm.hit:  # it ran assembled (whole, when of one part): kept for the next window
                _keep_kernel(memo, ir, plan, planner.kernels.whole(plan, False, False, light, True))
            executed, changed = res.executed, res.changed
            reason, direct, duration_ms = res.degrade_reason, res.direct_writes, res.duration_ms
    except AsyncDerive as escape:
        raise AsyncEscapeError(
            f"{escape.step.name} returned an awaitable during {window_what(origin, inst.instance_id, ids[1])}: "
            "derivations must be synchronous", txn_id=ids[1], module_id=inst.module_id,
            instance_id=inst.instance_id,
        ) from None
    if reason:
        assert res is not None
        return _degraded(inst, ws, res, ids, decision, plan, base_dirty, exec_vm, executed)
    ws.stop_undo()
    if plan is None:
        planner.note_full_duration(duration_ms)
    if decision is None:
        return derived, direct, False, executed, None
    # Planner.record_evidence, spelled out: every light window passes here
    args = (decision, executed, changed, duration_ms, cfg, ir, "Converged" if changed else "Noop",
            len(ir.topo_order if plan is None else plan), base_dirty, exec_vm,
            planner.cache.evidence(decision.cache_hit, decision.key_size, decision.miss_reason),
            planner.generation_evidence(), len(ir.registry.paths))
    return derived, direct, False, executed, DeferredConverge(light_converge_record, args, (), exec_vm, ir.digest)


def _degraded(inst: FusedOwner, ws: WorkingState, res: ExecResult, ids: tuple[int, str, str],
              decision: Decision | None, plan: tuple[int, ...] | None, base_dirty: DirtySet, exec_vm: Any,
              executed: int) -> tuple[DirtyTracker, int, bool, int, ConvergeRecord | None]:
    """_converge's ending when a step failed or the budget ran out: the derived writes taken back, the degrade
    reported and, at light, the decision's record (rare, and its result holds the error and its frames: built now)."""
    ws.rollback()
    inst.report_degrade(WindowIds(*ids), res)
    if decision is None:
        return DirtyTracker(), 0, True, executed, None
    cfg, planner = inst.converge_config(), inst.planner
    ir = inst.shape.ir
    converge = converge_record(decision, res, cfg, ir, "Degraded", len(ir.topo_order if plan is None else plan),
                               False, (), base_dirty, False, exec_vm, *planner.record_evidence(decision, ir))
    return DirtyTracker(), 0, True, executed, converge


def light_converge_record(decision: Decision, executed: int, changed: int, duration_ms: float,
                          cfg: ResolvedConvergeConfig, ir: StaticIr, outcome: Any, affected: int,
                          base_dirty: DirtySet, exec_vm: Any, cache: dict[str, Any], generation: dict[str, Any],
                          field_path_count: int) -> ConvergeRecord:
    """converge_record of a light window that converged without timings or checks, from the numbers the fused path
    took (its ExecResult is made only when the record is read)."""
    return converge_record(decision, ExecResult(executed, changed, duration_ms=duration_ms), cfg, ir, outcome,
                           affected, False, (), base_dirty, False, exec_vm, cache, generation, field_path_count)


def _run_short(planner: Planner, ir: Any, plan: tuple[int, ...], ws: WorkingState,
               ids: dict[int, None]) -> tuple[int, str | None, int, ExecResult | None] | None:
    """A plan no kernel is kept for, run from the planner's table of plain steps when it is a short plan of them (a
    sparse write's: it seldom repeats, so it would run interpreted): what the kept kernel's branch gives, the steps
    executed, the degrade reason, the writes made directly and the result a degrade reports. None: not such a plan,
    nothing ran."""
    short = planner.short
    if short.ir is not ir:
        return None
    t_run = perf_counter()
    ran = short.run(plan, ws, ids)
    if ran is None:
        return None
    executed, changed, direct, error, failed = ran
    if direct:
        note_root_writes(ws.root, direct)
    if error is None:
        return executed, None, direct, None
    return executed, "runtime_error", direct, ExecResult(executed, changed, "runtime_error", error, failed,
                                                         (perf_counter() - t_run) * 1000.0, direct)


def _go_on_in_transaction(inst: FusedOwner, host: FusedHost, seq: int, origin: TxnOrigin, link_id: str, op_seq: int,
                          patches: int, result: Any) -> TxnRecord | None:
    """The reducer returned a state (or an awaitable): a Transaction takes the window over with the writes counted
    so far, as run_body would have gone on."""
    txn = Transaction(inst, seq, origin, link_id=link_id, op_seq=op_seq)  # type: ignore[arg-type]
    txn.patch_count = patches
    try:
        record = inst.close_window(txn, lambda draft: result, NO_PAYLOAD, False)
    except BaseException:
        host.end_window()
        raise
    host.finish_window()  # its commit's listeners were told by close_window, as in a window through enter
    return record
