"""A mounted module: its committed state, its entry points, its transaction history and its subscribers.

Every entry point (`dispatch`, `dispatch_batch`, `set_state`, `transact`) opens one transaction window and commits
at most once. After a commit, in this order: the history ring takes the record, the debug events are exported, the
instance's subscribers are called, then the runtime's commit listeners (the tick layer among them).
"""

from __future__ import annotations

import copy
from functools import partial
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, NamedTuple, NoReturn, Protocol, cast

from runtime.base.dirty import Evidence
from runtime.base.field_decl import FieldDecl
from runtime.base.links import fallback_link_prefix
from runtime.base.quote import cut_text, quoted
from runtime.base.records import (
    CommitMode,
    ConvergeRecord,
    DeferredConverge,
    OriginKind,
    TxnOrigin,
    TxnPriority,
    TxnRecord,
    converge_of,
)
from runtime.base.state_access import same_value
from runtime.busy.registry import PendingRegistry
from runtime.converge.config import ResolvedConvergeConfig
from runtime.converge.executor import ExecResult
from runtime.converge.planner import Planner
from runtime.debug.call_site import HeldSite, TakenSite
from runtime.debug.check_events import check_meta
from runtime.debug.config_errors import report_config_error
from runtime.debug.projection import DEFAULT_BUDGET, project
from runtime.debug.txn_events import (action_meta, action_site_meta, converge_event_meta, exec_vm_meta,
                                      state_update_meta)
from runtime.errors import (
    DefinitionError,
    ExternalOwnedWriteError,
    FieldConfigError,
    PayloadTypeError,
    TimeTravelUnavailable,
    TransactionError,
    UnknownActionError,
)
from runtime.debug.sink import DebugSink
from runtime.kernel import fast_dispatch
from runtime.kernel.fast_dispatch import FusedHost, WindowIds
from runtime.kernel.module import Module, ModuleShape
from runtime.kernel.payload import PayloadMismatch, PayloadType
from runtime.kernel.transaction import NO_PAYLOAD, Body, Transaction, WindowHook

__all__ = ["CommitListener", "InstanceHost", "ModuleInstance", "WindowRun"]

CommitListener = Callable[[TxnRecord, Any], None]
"""Called as (record, committed_state) after every commit of an instance."""
WindowRun = Callable[[], TxnRecord | None]
"""One entry point's window: runs the body, converges, commits; returns the record or None when nothing changed."""


class InstanceHost(Protocol):
    """What an instance needs from the runtime it is mounted in. An instance never sees the Runtime: its host
    serialises transaction windows (one open at a time per runtime; an entry point called inside a window is queued
    behind it), tells listeners about commits and resolves converge settings. `runtime.kernel.Kernel` is the host a
    Runtime builds; a test can hand an instance any object with these members."""

    @property
    def label(self) -> str: ...

    @property
    def sink(self) -> DebugSink: ...

    @property
    def history_size(self) -> int: ...

    @property
    def pending(self) -> PendingRegistry:
        """What is pending in this runtime (action runs and resource loads report there; busy state reads it)."""
        ...

    @property
    def in_transaction(self) -> bool: ...

    def enter(self, inst: ModuleInstance, run: WindowRun, origin: TxnOrigin) -> TxnRecord | None:
        """Run `run` as the one open window, or queue it behind the open one (and return None)."""
        ...

    def notify(self, inst: ModuleInstance, record: TxnRecord, listener: Callable[..., None], *args: Any) -> None:
        """Call a commit listener; one that raises is reported and the others still run."""
        ...

    def after_commit(self, inst: ModuleInstance, record: TxnRecord, state: Any) -> None:
        """The instance committed: tell the runtime's commit listeners (the tick layer among them)."""
        ...

    def converge_config(self, module_id: str) -> ResolvedConvergeConfig: ...


class _Action(NamedTuple):
    reducer: Callable[[Any, Any], Any]
    check: Callable[[Any], Any] | None
    """The payload check (None: any payload)."""
    exact: type | None
    """A payload of exactly this class passes the check unchanged (no call); None: every payload is checked."""
    origin: TxnOrigin
    """The origin of its transactions without a call site (one object for all: it is frozen)."""


class ModuleInstance:
    """One instance of a module inside a runtime."""

    def __init__(self, host: InstanceHost, module: Module, instance_id: str, label: str | None, shape: ModuleShape):
        self.host = host
        """The kernel this instance is mounted in (see InstanceHost)."""
        self.sink: DebugSink = host.sink
        """The host's debug sink (kept here: every transaction reads it several times)."""
        self.module = module
        self.module_id = module.id
        self.instance_id = instance_id
        self.topic_key = f"{module.id}::{instance_id}"
        """The key of this instance's module topic (`moduleId::instanceId`), made once: every commit is queued by it."""
        self.label = label or instance_id
        self.shape = shape
        self.planner = Planner(shape.ir)
        self.state: dict[str, Any] = copy.deepcopy(module.initial)
        self.history: deque[TxnRecord] = deque(maxlen=host.history_size)
        self.disposed = False
        self._installed: list[FieldDecl] = []
        self._txn_seq = 0
        self._listeners: list[CommitListener] = []
        self._ir_export: dict[str, Any] | None = None
        self._ir_graph: dict[str, Any] | None = None
        self._ir_announced: dict[str, Any] | None = None
        """The export last handed to the sink (announce_ir)."""
        self._op_seq = 0
        self._op_prefix = f"{instance_id}::o"
        self._link_seq = 0
        self._link_prefix = fallback_link_prefix(instance_id)
        """Unlinked transactions so far: the n of their fallback linkIds (runtime.base.links)."""
        self._dispose_hooks: list[Callable[[], None]] = []
        self.window_hooks: tuple[tuple[WindowHook, str], ...] = ()
        self._actions: dict[str, _Action] = {}
        self.converge_config: Callable[[], ResolvedConvergeConfig] = partial(host.converge_config, module.id)
        """The converge settings in force for this instance's module (asked by every transaction: a partial, so no
        Python frame of its own)."""
        self.fused_host: FusedHost | None = cast(FusedHost, host) if hasattr(host, "close_fused") else None
        """The host as the fused dispatch path uses it (runtime.kernel.fast_dispatch); None: a host without one."""
        self.dirty_sets: dict[Any, Any] = {}
        """The fused path's dirty sets by write pattern (for the current shape)."""
        self.fused_kernels: dict[tuple[int, ...] | None, tuple[Any, Any]] = {}
        """The fused path's whole assembled kernels by plan, with the IR they were assembled for."""
        self.traced_kernels: dict[tuple[int, ...] | None, tuple[Any, Any]] = {}
        """The same at diagnostics light (the kernels a window with diagnostics on runs: traced)."""
        self.fused_ok = False
        """Whether a dispatch may take the fused path when no window is open (see refresh_fused)."""
        self.light_ok = False
        """Whether it may at diagnostics light too (see refresh_fused)."""
        self.refresh_fused()

    def __repr__(self) -> str:
        return f"<ModuleInstance {self.instance_id} of {self.module_id}>"

    dispatch_fused = fast_dispatch.dispatch_fused

    def refresh_fused(self) -> None:
        """Work out `fused_ok` (asked when one of its parts changes): a host whose fused windows are on, no window
        hooks, no owned fields; and `light_ok`: besides, no check steps (their trait:check events are recorded the
        general way)."""
        host = self.fused_host
        self.fused_ok = host is not None and host.fused_windows and not self.window_hooks and not self.shape.owned
        self.light_ok = self.fused_ok and all(step.report is None for step in self.shape.ir.steps)

    # -- reading ----------------------------------------------------------------------------------------------------

    def get_state(self) -> Mapping[str, Any]:
        """The committed state. It is shared with the runtime's history: read it, never mutate it."""
        return self.state

    @property
    def txn_seq(self) -> int:
        """The sequence number of the latest transaction opened on this instance."""
        return self._txn_seq

    def next_op_seq(self) -> int:
        """The next opSeq of this instance: the number behind `instanceId::o<opSeq>` ids. Every operation takes one:
        an action run, a transaction window that belongs to no run, each converge step execution."""
        self._op_seq += 1
        return self._op_seq

    def operation_seq(self, link_id: str | None) -> int:
        """The opSeq of a window's operation: the run `link_id` names when it is one of this instance's
        (`instanceId::o<n>`), else a new one."""
        if link_id is not None and link_id.startswith(self._op_prefix):
            tail = link_id[len(self._op_prefix):]
            if tail.isdigit():
                return int(tail)
        self._op_seq += 1  # next_op_seq(), without a second call on every transaction
        return self._op_seq

    def reserve_op_seqs(self) -> int:
        return self._op_seq

    def commit_op_seqs(self, base: int, count: int) -> None:
        self._op_seq = max(self._op_seq, base + count)

    def on_dispose(self, hook: Callable[[], None]) -> Callable[[], None]:
        """Call `hook()` when the instance is disposed, before it refuses transactions (so a hook may still settle
        what it owns in state). Returns the function that removes the hook."""
        self._dispose_hooks.append(hook)
        return lambda: self._dispose_hooks.remove(hook) if hook in self._dispose_hooks else None

    def add_window_hook(self, hook: WindowHook, reason: str) -> Callable[[], None]:
        """Run `hook(txn, draft, base_dirty)` inside every window that wrote something, after the entry point's
        writes and before converge. For writers that must react in the same transaction (a source resetting to
        idle when its key goes away); its writes are base writes recorded with `reason`. It must not do I/O.
        Returns the function that removes the hook."""
        entry = (hook, reason)
        self.window_hooks = (*self.window_hooks, entry)
        self.refresh_fused()

        def remove() -> None:
            self.window_hooks = tuple(e for e in self.window_hooks if e is not entry)
            self.refresh_fused()

        return remove

    def subscribe(self, listener: CommitListener) -> Callable[[], None]:
        """Call `listener(record, state)` after every commit; returns the unsubscribe function."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    # -- entry points -----------------------------------------------------------------------------------------------

    def dispatch(self, action_type: str, payload: Any = None, *, link_id: str | None = None) -> TxnRecord | None:
        """Run the reducer of `action_type` in one transaction; returns its record, or None when nothing changed.
        A payload of another type than the reducer declares raises PayloadTypeError before anything runs."""
        reducer = self.module.reducers.get(action_type)
        entry = self._actions.get(action_type)
        if entry is None or entry.reducer is not reducer:
            entry = self._action(action_type)  # raises UnknownActionError
        check = entry.check
        if check is not None and payload.__class__ is not entry.exact:
            try:
                payload = check(payload)
            except PayloadMismatch as mismatch:
                self._payload_refused(action_type, payload, mismatch, link_id)
        sink = self.sink
        if sink.on:
            if (sink.light and self.light_ok and link_id is None and not self.disposed
                    and not self.host.in_transaction and not sink.hub.live):
                # the fused path, its events one entry of the hub (runtime.debug.dispatch_events), recorded when
                # the dispatch is over unless something recorded it earlier (the tick does, at its end)
                events = sink.open_dispatch(self.module_id, self.instance_id, action_type, self._txn_seq + 1,
                                            sink.clock.now_ms())
                try:
                    return self.dispatch_fused(entry.reducer, entry.origin, payload, events)
                finally:
                    if sink.hub.open is events:
                        sink.hub.flush_later()
            site = self._announce_action(action_type, payload, link_id)
            origin = entry.origin if site is None else TxnOrigin("action", action_type, None, site)
        elif self.fused_ok and link_id is None and not self.disposed and not self.host.in_transaction:
            return self.dispatch_fused(entry.reducer, entry.origin, payload)  # the common case, in one frame
        else:
            origin = entry.origin
        if self.disposed:
            self._refuse_disposed()

        # Straight to the window, no hop through transact; a partial, not a closure: one Python frame less.
        run = partial(self._run, entry.reducer, origin, "normal", "normal", "reducer", link_id, False, None, payload)
        return self.host.enter(self, run, origin)

    def _action(self, action_type: str) -> _Action:
        """What dispatch needs of an action, looked up once per reducer (again when the reducer is replaced)."""
        reducer = self._reducer(action_type)
        ptype = self.module.payload_type(action_type)
        entry = self._actions[action_type] = _Action(reducer, None if ptype is None else ptype.check,
                                                     None if ptype is None else ptype.exact,
                                                     TxnOrigin("action", action_type, None, None))
        return entry

    def dispatch_batch(
        self, actions: Iterable[tuple[str, Any] | str], *, link_id: str | None = None
    ) -> TxnRecord | None:
        """Run several reducers in one transaction (one commit, commitMode `batch`)."""
        steps = [(a, None) if isinstance(a, str) else (a[0], a[1]) for a in actions]
        steps = [(t, self.check_payload(t, p, link_id=link_id)) for t, p in steps]  # all checked before any runs
        reducers = [(self._reducer(t), p) for t, p in steps]
        sites = [self._announce_action(t, p, link_id) for t, p in steps] if self.sink.on else []

        def body(draft: Any) -> None:
            for reducer, payload in reducers:
                result = reducer(draft, payload)
                if result is not None:
                    raise TypeError("reducers in a batch write through the draft; return None")

        names = ",".join(t for t, _ in steps)
        return self._enter(body, TxnOrigin("batch", names, None, sites[0] if sites else None), "batch", "normal",
                           "reducer", link_id, False, None)

    def set_state(self, state: dict[str, Any], *, origin_kind: OriginKind = "setState", origin_name: str | None = None,
                  reason: str = "reducer", details: Any = None,
                  dirty: Iterable[Evidence] | None = None) -> TxnRecord | None:
        """Replace the whole state in one transaction. What it changed is `dirty` when given (explicit evidence:
        dotted paths, tuples of keys, FieldPathIds, `*`), unknown (`unknownWrite`) with reason `perf`, else inferred
        one level deep (docs/rules/transactions.md)."""
        return self.transact(
            lambda draft: state, origin_kind=origin_kind, origin_name=origin_name, reason=reason, details=details,
            dirty=dirty,
        )

    def transact(
        self,
        body: Body,
        *,
        origin_kind: OriginKind,
        origin_name: str | None = None,
        details: Any = None,
        commit_mode: CommitMode = "normal",
        priority: TxnPriority = "normal",
        reason: str = "reducer",
        link_id: str | None = None,
        converge_all: bool = False,
        dirty: Iterable[Evidence] | None = None,
        call_site: HeldSite | None = None,
    ) -> TxnRecord | None:
        """The general entry point other layers build on: run `body` on a draft in one transaction window.

        At diagnostics level full the transaction records where it was called from (`call_site` when the caller
        took it earlier, an action run's trigger say; else this call's own); below full nothing is walked.

        `dirty` is explicit dirty evidence: for a body that returns a whole new state it says what changed (instead
        of inference); for a body that writes through the draft it adds to what the writes recorded. It counts only
        when the body changed something.

        Called while another transaction window of this runtime is open, the entry is queued and runs right after
        that one commits (it then returns None here).
        """
        if call_site is None and self.sink.full:
            call_site = self.sink.call_sites.capture(2)
        origin = TxnOrigin(origin_kind, origin_name, details, call_site)
        return self._enter(body, origin, commit_mode, priority, reason, link_id, converge_all,
                           None if dirty is None else list(dirty))

    def _enter(self, body: Body, origin: TxnOrigin, commit_mode: CommitMode, priority: TxnPriority, reason: str,
               link_id: str | None, converge_all: bool, evidence: list[Evidence] | None) -> TxnRecord | None:
        if self.disposed:
            self._refuse_disposed()

        def run() -> TxnRecord | None:
            return self._run(body, origin, commit_mode, priority, reason, link_id, converge_all, evidence)

        return self.host.enter(self, run, origin)

    def _refuse_disposed(self) -> None:
        raise TransactionError(
            f"{self.instance_id} is disposed", txn_id="", module_id=self.module_id, instance_id=self.instance_id
        )

    # -- the window -------------------------------------------------------------------------------------------------

    def _run(self, body: Callable[..., Any], origin: TxnOrigin, commit_mode: CommitMode, priority: TxnPriority,
             reason: str, link_id: str | None, converge_all: bool, evidence: list[Evidence] | None,
             payload: Any = NO_PAYLOAD) -> TxnRecord | None:
        """One window: `body(draft)`, or a reducer's `body(draft, payload)`; converge; commit."""
        self._txn_seq += 1
        if link_id is None:  # every transaction is linked: one of its own when no caller gave a link
            self._link_seq += 1
            link_id = f"{self._link_prefix}{self._link_seq}"
            self._op_seq += 1  # a fallback link names no run: the window is an operation of its own
            op_seq = self._op_seq
        else:
            op_seq = self.operation_seq(link_id)
        txn = Transaction(self, self._txn_seq, origin, commit_mode=commit_mode, priority=priority, reason=reason,
                          link_id=link_id, evidence=evidence, op_seq=op_seq)
        return self.close_window(txn, body, payload, converge_all)

    def close_window(self, txn: Transaction, body: Callable[..., Any], payload: Any,
                     converge_all: bool) -> TxnRecord | None:
        """The window of `txn` from its body on: the body, the owned-field guard, converge, the commit and its
        subscribers (the fused path hands a reducer that returned a state over to it)."""
        link_id = txn.link_id
        try:
            txn.run_body(body, payload)
            if self.shape.owned:
                self._check_owned(txn)
            out = txn.finish(converge_all=converge_all)
        except TransactionError as err:
            self.report_failed(err, txn.txn_seq, txn.txn_id, link_id)
            raise
        finally:
            txn.ws.release()
        if out is None:
            if txn.converge is not None:
                self._export_converge(txn.converge, txn.txn_seq, txn.txn_id, link_id)
            return None
        record, state = out
        self.state = state  # _commit(record, state), spelled out: this is every dispatch's way
        if self.sink.on:
            self.history.append(record)
            self.export_commit(record, state)
        if self._listeners:
            notify = self.host.notify
            for listener in tuple(self._listeners):
                notify(self, record, listener, record, state)
        self.host.after_commit(self, record, state)
        return record

    def report_failed(self, err: TransactionError, txn_seq: int, txn_id: str, link_id: str | None) -> None:
        """The diagnostic of a window that raised (nothing of it was kept)."""
        self.sink.diagnostic(module_id=self.module_id, instance_id=self.instance_id, code=err.code, severity="error",
                             message=str(err), txn_seq=txn_seq, txn_id=txn_id, link_id=link_id,
                             error=err.__cause__ or err)

    def _check_owned(self, txn: Transaction) -> None:
        """Refuse a change to an owned field from anyone but its owner (compared by value, so an unchanged field
        in a whole-state replace is fine)."""
        origin = txn.origin
        details = origin.details
        for text, owner, read in self.shape.owned:
            # An owner's write names its field, or (one write of several fields of its kind) lists them in details.
            if origin.kind == owner and (origin.name == text or (isinstance(details, dict)
                                                                 and text in details.get("fields", ()))):
                continue
            before, after = read(txn.base), read(txn.ws.root)
            if before is not after and not same_value(before, after):
                raise ExternalOwnedWriteError(
                    f"{txn.txn_id}: {origin.kind} {origin.name or ''} wrote {text!r}, which only its {owner} "
                    "writer may change; nothing was applied (keep overrides in another field and merge them in a "
                    "computed field)",
                    txn_id=txn.txn_id, module_id=self.module_id, instance_id=self.instance_id, path=text, owner=owner,
                )

    def export_commit(self, record: TxnRecord, state: Any) -> None:
        """A commit's events (with diagnostics on): its dirty-all diagnostic, its converge's and its state:update."""
        sink = self.sink
        if record.dirty.dirty_all:
            sink.diagnostic(
                module_id=self.module_id, instance_id=self.instance_id, code="state_transaction::dirty_all_fallback",
                severity="info", message=f"{record.txn_id} dirtied everything ({record.dirty.reason})",
                txn_seq=record.txn_seq, txn_id=record.txn_id, link_id=record.link_id,
            )
        mid, iid, seq, tid, lid = self.module_id, self.instance_id, record.txn_seq, record.txn_id, record.link_id
        converge, level = converge_of(record), sink.level  # unbuilt: its event builds it when read
        # built when read (runtime.debug.pending): the record is frozen and the committed state is never written again
        if converge is None or converge.checks:  # check events are recorded eagerly, between the two
            if converge is not None:
                self._export_converge(converge, seq, tid, lid)
            else:
                self.announce_ir()
            sink.emit_pending(mid, iid, "state", "state:update", seq, tid, lid, state_update_meta, record, state,
                              level, state_of=True)
            return
        self.announce_ir()  # what _export_converge records, and the state:update, in one entry
        sink.emit_commit(mid, iid, record, state, converge, level)

    def _export_converge(self, converge: ConvergeRecord | DeferredConverge, txn_seq: int, txn_id: str,
                         link_id: str | None) -> None:
        """The `trait:converge` event of a window: exported whether or not the window committed, so a converge that
        changed nothing (an instance's cold start at mount, say) is seen too (docs/rules/converge.md)."""
        sink = self.sink
        self.announce_ir()
        mid, iid, level = self.module_id, self.instance_id, sink.level
        sink.emit_pending(mid, iid, "trait:converge", "trace:trait:converge", txn_seq, txn_id, link_id,
                          converge_event_meta, converge, level, iid)
        if converge.exec_vm is not None:  # whether the plan ran assembled (065 Exec VM evidence)
            sink.emit_pending(mid, iid, "devtools", "trace:exec-vm", txn_seq, txn_id, link_id, exec_vm_meta,
                              converge.exec_vm, level)
        for run in converge.checks:  # the rules each check ran, and what they found
            sink.emit(kind="trait:check", label="trace:trait:check", meta=check_meta(run, converge.static_ir_digest),
                      budget=None, module_id=self.module_id, instance_id=self.instance_id, txn_seq=txn_seq,
                      txn_id=txn_id, link_id=link_id)

    # -- support for the window -------------------------------------------------------------------------------------

    def _reducer(self, action_type: str) -> Callable[[Any, Any], Any]:
        try:
            return self.module.reducers[action_type]
        except KeyError:
            known = ", ".join(sorted(self.module.reducers)) or "none"
            raise UnknownActionError(
                f"module {self.module_id!r} has no reducer for action {quoted(action_type)} (known: {known})"
            ) from None

    def check_payload(self, action_type: str, payload: Any, *, link_id: str | None = None) -> Any:
        """The payload `action_type`'s reducer would get (a JSON object made into its dataclass); raises
        UnknownActionError, or PayloadTypeError (reported as the diagnostic `action::payload_mismatch`)."""
        self._reducer(action_type)
        ptype = self.module.payload_type(action_type)
        return payload if ptype is None else self._checked(action_type, ptype, payload, link_id)

    def _checked(self, action_type: str, ptype: PayloadType, payload: Any, link_id: str | None) -> Any:
        try:
            return ptype.check(payload)
        except PayloadMismatch as mismatch:
            self._payload_refused(action_type, payload, mismatch, link_id)

    def _payload_refused(self, action_type: str, payload: Any, mismatch: PayloadMismatch,
                         link_id: str | None) -> NoReturn:
        ptype = self.module.payload_type(action_type)
        assert ptype is not None
        err = PayloadTypeError(module_id=self.module_id, action_type=action_type, expected=ptype.text,
                               received=quoted(payload), detail=str(mismatch))
        self.sink.diagnostic(module_id=self.module_id, instance_id=self.instance_id, code=err.code,
                             severity="error", message=str(err), link_id=link_id,
                             hint="dispatch a payload of the declared type; nothing was applied",
                             extra={"actionTag": action_type})
        raise err

    def _announce_action(self, action_type: str, payload: Any, link_id: str | None) -> TakenSite | None:
        """Export the action event; at level full it carries the call site, which is returned for the transaction.
        Callers check `sink.on` first."""
        sink = self.sink
        if not sink.full:  # the tag alone, built when read
            seq = self._txn_seq + 1
            sink.emit_pending(self.module_id, self.instance_id, "action", action_type, seq,
                              f"{self.instance_id}::t{seq}", link_id, action_meta, action_type)
            return None
        # the user's payload may change after the dispatch: projected now
        meta: dict[str, Any] = {"actionTag": action_type, "action": {"type": action_type, "payload": payload}}
        site = sink.call_sites.capture(3)  # above this and dispatch: whoever called dispatch
        if site is None:
            sink.emit(module_id=self.module_id, instance_id=self.instance_id, kind="action", label=action_type,
                      meta=meta, txn_seq=self._txn_seq + 1, txn_id=f"{self.instance_id}::t{self._txn_seq + 1}",
                      link_id=link_id)
            return None
        projected = project(meta, DEFAULT_BUDGET)  # the site is bounded by its limit already
        seq = self._txn_seq + 1
        if projected.downgrade is None and not sink.hub.tapped:  # the site is resolved when the event is built:
            sink.emit_pending(self.module_id, self.instance_id, "action", action_type, seq,  # most are never read
                              f"{self.instance_id}::t{seq}", link_id, action_site_meta, projected.value, None, site)
        else:  # a tap or feed takes every event at once; a cut payload is counted in the export budget now, read
            # or not: the event is recorded built
            sink.emit(module_id=self.module_id, instance_id=self.instance_id, kind="action", label=action_type,
                      meta=action_site_meta(projected.value, None, site)[0], txn_seq=seq,
                      txn_id=f"{self.instance_id}::t{seq}", link_id=link_id, budget=None,
                      downgrade=projected.downgrade)
        return site

    def report_degrade(self, txn: WindowIds | Transaction, res: ExecResult) -> None:
        step = res.failed_step
        if res.degrade_reason == "runtime_error" and step is not None:
            code = "field::runtime_error"
            message = (f"{step.name} raised {type(res.error).__name__}: {res.error} in {txn.txn_id}; "
                       "the derived writes of this transaction were rolled back")
        else:
            code = "field::budget_exceeded"
            message = (f"converge of {txn.txn_id} ran past its budget after {res.executed} steps "
                       f"({res.duration_ms:.1f} ms); the derived writes were rolled back")
        self.sink.diagnostic(
            module_id=self.module_id, instance_id=self.instance_id, code=code, severity="warning", message=message,
            txn_seq=txn.txn_seq, txn_id=txn.txn_id, link_id=txn.link_id, error=res.error,
            hint="raise the execution budget or make the derivation cheaper" if code.endswith("exceeded") else None,
        )

    def static_ir_export(self) -> dict[str, Any]:
        """ConvergeStaticIrExport of the current generation (cached until the next bump)."""
        if self._ir_export is None:
            # The reference's ConvergeStaticIrExport admits no other keys: the actions and their payload types
            # travel in the inspector's HELLO and `module.action_schemas()`, not here.
            self._ir_export = self.shape.ir.export(self.instance_id, self.planner.generation)
            self._ir_graph = self.shape.ir.graph_export(self.instance_id)
        return self._ir_export

    def announce_ir(self) -> None:
        """Hand the sink the static IR of the current generation and its dependency graph (the hub keeps each
        once)."""
        export = self._ir_export or self.static_ir_export()
        if export is not self._ir_announced:  # the hub keeps an IR for good: once per generation is enough
            self._ir_announced = export
            self.sink.announce_static_ir(export, self._ir_graph)

    def declarations(self) -> list[FieldDecl]:
        """Every field declaration of this instance: the module's and those added by install_fields."""
        return [*self.module.fields, *self._installed]

    # -- changing the shape at run time -----------------------------------------------------------------------------

    def install_fields(self, decls: Sequence[FieldDecl]) -> None:
        """Add derived fields (one installed earlier with the same target is replaced); the IR is rebuilt and applies
        from the next transaction. A changed graph is a generation bump, its reason worked out from what changed
        (see runtime.converge.generation).

        A declaration error raises FieldConfigError, reported as the diagnostic `field_kernel::config_error`, and
        changes nothing.
        """
        by_target = {d.target: d for d in decls}
        if len(by_target) < len(decls):  # two writers in one call: let the shape refuse them
            self._reshape([*self._installed, *decls])
            return
        kept = [by_target.pop(d.target, d) for d in self._installed]  # a replaced field keeps its place
        self._reshape([*kept, *by_target.values()])

    def uninstall_fields(self, targets: Iterable[str]) -> None:
        """Remove fields added by install_fields (by target path)."""
        drop = {tuple(t.split(".")) for t in targets}
        unknown = drop - {d.target for d in self._installed}
        if unknown:
            raise DefinitionError(f"{self.instance_id}: no installed field at {sorted('.'.join(u) for u in unknown)}")
        self._reshape([d for d in self._installed if d.target not in drop])

    def _reshape(self, installed: list[FieldDecl]) -> None:
        try:
            shape = self.module.build_shape([*self.module.fields, *installed])
        except FieldConfigError as err:
            report_config_error(self.sink, err, self.instance_id)
            raise
        self._installed = installed
        self.shape = shape
        self.dirty_sets = {}
        self.refresh_fused()
        if self.planner.adopt(shape.ir) is not None:
            self._ir_export = None

    # -- time travel ------------------------------------------------------------------------------------------------

    def find_transaction(self, txn_id: str) -> TxnRecord:
        for record in reversed(self.history):
            if record.txn_id == txn_id:
                return record
        raise TimeTravelUnavailable(f"{cut_text(txn_id)} is not in the history of {self.instance_id}")

    def apply_transaction_snapshot(self, txn_id: str, which: str) -> TxnRecord | None:
        """Bring back the state before or after a past transaction, as a new devtools transaction."""
        if which not in ("before", "after"):
            raise ValueError(f"which must be 'before' or 'after', not {which!r}")
        record = self.find_transaction(txn_id)
        state = record.before if which == "before" else record.after
        if state is None:
            raise TimeTravelUnavailable(f"{txn_id} kept no snapshots (they are kept at diagnostics level full)")
        return self.set_state(state, origin_kind="devtools", origin_name="time-travel", reason="devtools",
                              details={"baseTxnId": txn_id, "mode": which})

    def dispose(self) -> None:
        hooks, self._dispose_hooks = self._dispose_hooks, []
        for hook in reversed(hooks):
            try:
                hook()
            except Exception as exc:  # one failing owner must not keep the others from cleaning up
                self.sink.diagnostic(module_id=self.module_id, instance_id=self.instance_id,
                                             code="lifecycle::dispose_hook_threw", severity="error",
                                             message=f"dispose hook {hook!r} raised {type(exc).__name__}: {exc}",
                                             error=exc)
        self.disposed = True
        self._listeners.clear()
