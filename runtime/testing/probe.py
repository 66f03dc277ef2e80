"""TraceProbe: what a test needs from a runtime's exported events, and the assertions people write on them.

    probe = TraceProbe()
    probe.record(rt)                        # tap the hub (and write a trace file when the probe has a directory)
    record = inst.dispatch("add_item", 3)
    probe.assert_touched(record, "items")   # or a txn id: "form#1::t2"
    probe.assert_not_touched(record, "customer.email")   # a path the module lacks raises UnknownFieldPath
    probe.assert_converge_mode(record, "dirty")
    await run.settled(); probe.assert_run_settled("save-todo", "success")
    probe.assert_no_pending()               # no async action run and no backend operation still open

Everything is read from the exported events (diagnostics light or above), so the same assertions hold for a runtime
in this process and for one recorded to a trace. Failures raise AssertionError with the evidence in the message.
No Qt and no pytest here: the pytest plugin (runtime.testing.pytest_plugin) only wires fixtures around it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from runtime.base.records import TxnRecord
from runtime.errors import UnknownFieldPath

if TYPE_CHECKING:
    from runtime.runtime import Runtime
    from runtime.trace.writer import TraceWriter

__all__ = ["TraceProbe", "OPERATION_TERMINALS"]

OPERATION_TERMINALS = frozenset({"ready", "rejected", "failed", "timed_out", "cancelled"})
"""Operation stages after which nothing is pending (the wire values of runtime.operations.TERMINAL)."""

Txn = TxnRecord | str


def _path_text(path: Iterable[Any]) -> str:
    return ".".join(str(p) for p in path)


def _overlaps(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    n = min(len(a), len(b))
    return a[:n] == b[:n]


class TraceProbe:
    """Collects the exported events of the runtimes it records; optionally writes each to a trace file."""

    def __init__(self, trace_dir: str | Path | None = None, name: str = "trace") -> None:
        self.trace_dir = Path(trace_dir) if trace_dir is not None else None
        self.name = name
        self.events: list[dict[str, Any]] = []
        self.static_irs: dict[str, dict[str, Any]] = {}
        self.writers: list[TraceWriter] = []
        self._detach: list[Callable[[], None]] = []
        self._runtimes: list[Runtime] = []

    # -- recording --------------------------------------------------------------------------------------------------

    def record(self, runtime: Runtime) -> Runtime:
        """Watch `runtime` from now on (the IRs it already announced included); returns it."""
        if not runtime.sink.on:
            raise ValueError(f"runtime {runtime.label!r} has diagnostics off and exports nothing to assert on; "
                             "create it with diagnostics='light' (or 'full' for snapshots and patches)")
        if any(r is runtime for r in self._runtimes):
            return runtime
        self._runtimes.append(runtime)
        self._detach.append(runtime.hub.tap(self._tap))
        if self.trace_dir is not None:
            from runtime.trace.writer import TraceWriter

            self.trace_dir.mkdir(parents=True, exist_ok=True)
            suffix = f".{len(self.writers)}" if self.writers else ""
            writer = TraceWriter(self.trace_dir / f"{self.name}{suffix}.jsonl", label=runtime.label)
            writer.attach(runtime.hub, runtime=runtime)
            self.writers.append(writer)
        return runtime

    @property
    def paths(self) -> list[Path]:
        """The trace files written (one per recorded runtime)."""
        return [w.path for w in self.writers]

    def _tap(self, kind: str, payload: dict[str, Any]) -> None:
        if kind == "debug:event":
            self.events.append(payload)
        elif kind == "static-ir":
            self.static_irs[payload["staticIrDigest"]] = payload

    def close(self) -> None:
        for detach in self._detach:
            detach()
        self._detach.clear()
        for writer in self.writers:
            writer.close()

    # -- reading ----------------------------------------------------------------------------------------------------

    def select(self, kind: str | None = None, label: str | None = None,
               instance_id: str | None = None) -> list[dict[str, Any]]:
        """The recorded events matching every given filter, in order."""
        return [e for e in self.events if (kind is None or e["kind"] == kind) and
                (label is None or e["label"] == label) and (instance_id is None or e["instanceId"] == instance_id)]

    def runs(self) -> dict[str, dict[str, Any]]:
        """Async action runs by linkId: the meta of the latest event of each (phase trigger | pending | settle)."""
        out: dict[str, dict[str, Any]] = {}
        for e in self.events:
            meta = e.get("meta")
            if e["kind"] == "action" and isinstance(meta, dict) and meta.get("type") == "async-action":
                out[str(e.get("linkId") or meta.get("actionId"))] = meta
        return out

    def operations(self) -> dict[str, dict[str, Any]]:
        """Backend operations by commandId: the meta of the latest event of each."""
        out: dict[str, dict[str, Any]] = {}
        for e in self.events:
            meta = e.get("meta")
            if e["kind"] == "operation" and isinstance(meta, dict) and meta.get("commandId"):
                out[str(meta["commandId"])] = meta
        return out

    def state_update(self, txn: Txn) -> dict[str, Any]:
        """The state:update event of a transaction (a TxnRecord or a txn id)."""
        txn_id = txn.txn_id if isinstance(txn, TxnRecord) else txn
        e: dict[str, Any]  # reversed() of a list of dicts with Any values reads as Any to mypy
        for e in reversed(self.events):
            if e["label"] == "state:update" and e.get("txnId") == txn_id:
                return e
        raise AssertionError(f"no state:update of {txn_id} was recorded (it committed nothing, or before record())")

    def touched_paths(self, txn: Txn) -> list[str] | None:
        """The field paths a transaction wrote (its dirty roots); None when it dirtied everything."""
        if isinstance(txn, TxnRecord):
            dirty_all, ids = txn.dirty.dirty_all, list(txn.dirty.root_ids)
        else:
            dirty = self.state_update(txn)["meta"]["dirtySet"]
            if dirty.get("rootIdsTruncated"):
                raise AssertionError(f"{txn}: its exported dirty set was cut; pass the TxnRecord instead")
            dirty_all, ids = dirty["dirtyAll"], dirty["rootIds"]
        if dirty_all:
            return None
        table = self._static_ir(txn)["fieldPaths"]
        return [_path_text(table[i]) for i in ids]

    def _static_ir(self, txn: Txn) -> dict[str, Any]:
        digest = txn.static_ir_digest if isinstance(txn, TxnRecord) else \
            self.state_update(txn)["meta"]["staticIrDigest"]
        ir = self.static_irs.get(digest)
        if ir is None:
            raise AssertionError(f"the static IR {digest} of this transaction was never announced to the probe")
        return ir

    def check_path(self, txn: Txn, path: str) -> None:
        """Raise UnknownFieldPath when the module of `txn` has no field at `path`, above it or below it (a typo in
        an assertion would otherwise pass `assert_not_touched` for ever)."""
        ir = self._static_ir(txn)
        fields = [_path_text(p) for p in ir["fieldPaths"]]
        wanted = tuple(path.split("."))
        if not any(_overlaps(tuple(f.split(".")), wanted) for f in fields):
            raise UnknownFieldPath(path, str(ir.get("moduleId")), fields)

    # -- assertions -------------------------------------------------------------------------------------------------

    def assert_touched(self, txn: Txn, path: str) -> None:
        """The transaction wrote `path`, a parent of it, or something under it. A path the module does not have
        raises UnknownFieldPath."""
        self.check_path(txn, path)
        touched = self.touched_paths(txn)
        if touched is not None and not any(_overlaps(tuple(t.split(".")), tuple(path.split("."))) for t in touched):
            raise AssertionError(f"{_txn_id(txn)} did not touch {path!r}; it touched {touched}")

    def assert_not_touched(self, txn: Txn, path: str) -> None:
        """The transaction wrote neither `path` nor a parent of it nor anything under it. A path the module does not
        have raises UnknownFieldPath: no write to a typo is no evidence."""
        self.check_path(txn, path)
        touched = self.touched_paths(txn)
        if touched is None:
            raise AssertionError(f"{_txn_id(txn)} dirtied everything, {path!r} included")
        hits = [t for t in touched if _overlaps(tuple(t.split(".")), tuple(path.split(".")))]
        if hits:
            raise AssertionError(f"{_txn_id(txn)} touched {path!r} (through {hits})")

    def assert_converge_mode(self, txn: Txn, mode: str) -> None:
        """The converge planner ran in `mode` (full | dirty) for this transaction."""
        if isinstance(txn, TxnRecord):
            executed = txn.converge.executed_mode if txn.converge is not None else None
        else:
            events = [e for e in self.events if e["label"] == "trace:trait:converge" and e.get("txnId") == txn]
            executed = events[-1]["meta"].get("executedMode") if events else None
        if executed is None:
            raise AssertionError(f"{_txn_id(txn)} ran no converge (the module has no derived fields?)")
        if executed != mode:
            raise AssertionError(f"{_txn_id(txn)} converged in mode {executed!r}, not {mode!r}")

    def assert_run_settled(self, action_id: str, status: str | None = None, *,
                           link_id: str | None = None) -> dict[str, Any]:
        """The latest run of `action_id` (or the run `link_id`) settled, with `status` when given; returns its meta."""
        runs = [(lid, m) for lid, m in self.runs().items()
                if m.get("actionId") == action_id and (link_id is None or lid == link_id)]
        if not runs:
            raise AssertionError(f"no run of action {action_id!r} was recorded")
        lid, meta = runs[-1]
        if meta.get("phase") != "settle":
            raise AssertionError(f"run {lid} of {action_id!r} is still {meta.get('phase')} (not settled)")
        if status is not None and meta.get("status") != status:
            detail = f" ({meta['cancelReason']})" if meta.get("cancelReason") else ""
            raise AssertionError(f"run {lid} of {action_id!r} settled {meta.get('status')!r}{detail}, not {status!r}")
        return meta

    def assert_no_pending(self) -> None:
        """No async action run left without its settle, no backend operation short of a terminal stage."""
        runs = [f"run {lid} ({m.get('actionId')}: {m.get('phase')})" for lid, m in self.runs().items()
                if m.get("phase") != "settle"]
        ops = [f"operation {cid} ({m.get('kind')}: {m.get('stage')})" for cid, m in self.operations().items()
               if m.get("stage") not in OPERATION_TERMINALS and not m.get("detached")]
        if runs or ops:
            raise AssertionError("left pending: " + "; ".join(runs + ops))


def _txn_id(txn: Txn) -> str:
    return txn.txn_id if isinstance(txn, TxnRecord) else txn
