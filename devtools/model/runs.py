"""Action runs and backend operations rebuilt from exported events (pure Python, no Qt).

Action runs come from `{kind: "action", label: "async-action", linkId, meta: {type: "async-action", phase, actionId,
concurrencyPolicy?, lane?, status?, cancelReason?, durationMs?, txnSeqs?, droppedTxnSeqCount?}}`: a
`trigger` opens the run, `pending` marks it running, `settle` closes it with its status. Transactions carrying the
run's `linkId` are its transactions; operations carrying it are its operations.

Operations come from `{kind: "operation", label: "operation:<phase>", linkId?, meta: {type: "operation", phase,
commandId, correlationId, kind, target, stage, waitFor, detached, factCount, eventStage?, source?, attempt?,
inferred?, version?, disposition?, lateResolution?, deadlineInMs?, error?}}` (resources/schemas/
operation-event-meta.schema.json): `stage` is the operation's stage after the event, `eventStage` the stage the fact
speaks of. The ladder is submitted -> accepted -> committed -> observed -> ready, with terminals rejected / failed /
timed_out / cancelled; late facts arrive after a terminal. Missing optional fields stay None; nothing is invented.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from runtime import is_fallback_link

RECORDED_ONLY = ("duplicate", "fenced", "unknown", "ignored")
"""Dispositions of facts that changed nothing (runtime/operations/machine.py)."""

__all__ = ["RunInfo", "StageFactInfo", "OperationInfo", "RunIndex", "OperationIndex", "RUN_STATUSES", "STAGES",
           "TERMINAL_STAGES", "meta_of", "run_link_of"]

RUN_STATUSES = ("pending", "success", "failure", "cancelled")
STAGES = ("submitted", "accepted", "committed", "observed", "ready", "rejected", "failed", "timed_out", "cancelled",
          "unknown")
PROGRESS = ("submitted", "accepted", "committed", "observed", "ready")
TERMINAL_STAGES = frozenset({"ready", "rejected", "failed", "timed_out", "cancelled"})


@dataclass(slots=True)
class RunInfo:
    """One action run as the events tell it so far (updated while live)."""

    link_id: str
    instance_id: str
    module_id: str
    action_id: str
    started_ms: float
    """Epoch ms of the trigger."""
    policy: str | None = None
    """latest-wins | queue | allow-concurrent (None when the trigger did not say)."""
    lane: str | None = None
    status: str = "pending"
    settled_ms: float | None = None
    cancel_reason: str | None = None
    duration_ms: float | None = None
    """As reported by the settle event, else settled - started."""
    txn_seqs: list[int] = field(default_factory=list)
    """Transactions of this instance carrying the run's linkId (seen in the stream)."""
    reported_txn_seqs: list[int] = field(default_factory=list)
    """txnSeqs the settle event listed (bounded to 8 by the schema)."""
    dropped_txn_seq_count: int = 0
    command_ids: list[str] = field(default_factory=list)
    error: dict[str, Any] | None = None
    rows: list[int] = field(default_factory=list)
    """Event rows of the run's trigger/pending/settle events."""

    @property
    def open(self) -> bool:
        return self.settled_ms is None


@dataclass(frozen=True, slots=True)
class StageFactInfo:
    """One stage fact of an operation."""

    stage: str
    at_ms: float
    source: str | None
    late: bool
    """Arrived after the operation was terminal."""
    inferred: bool
    row: int
    error: dict[str, Any] | None = None
    version: int | None = None
    attempt: int | None = None
    disposition: str | None = None
    """What the stage machine did with a fact that changed nothing: duplicate, fenced (a superseded observer
    attempt), unknown (a wire stage it does not know), ignored; None for a fact that moved the operation."""

    def moved(self, by: int) -> StageFactInfo:
        """The same fact at row `row + by` (positional: dataclasses.replace costs four times as much)."""
        return StageFactInfo(self.stage, self.at_ms, self.source, self.late, self.inferred, self.row + by, self.error,
                             self.version, self.attempt, self.disposition)

    @property
    def recorded_only(self) -> bool:
        """A fact kept for the record that moved nothing (it has no place on the stage path)."""
        return self.disposition in RECORDED_ONLY


@dataclass(slots=True)
class OperationInfo:
    """One backend operation (keyed by commandId)."""

    command_id: str
    instance_id: str
    op_kind: str | None
    target: str | None
    link_id: str | None
    correlation_id: str | None
    submitted_ms: float
    stage: str = "submitted"
    deadline_ms: float | None = None
    detached: bool = False
    facts: list[StageFactInfo] = field(default_factory=list)
    late_resolution: str | None = None

    @property
    def terminal(self) -> bool:
        return self.stage in TERMINAL_STAGES

    @property
    def late_facts(self) -> list[StageFactInfo]:
        return [f for f in self.facts if f.late]

    def facts_with(self, disposition: str) -> list[StageFactInfo]:
        """The facts the stage machine recorded as `disposition` (fenced, duplicate, unknown, ignored)."""
        return [f for f in self.facts if f.disposition == disposition]

    def stage_times(self) -> list[tuple[str, float]]:
        """(stage, first time reached) along the path actually taken, late and recorded-only facts excluded."""
        seen: dict[str, float] = {}
        for f in self.facts:
            if not f.late and not f.recorded_only and f.stage not in seen:
                seen[f.stage] = f.at_ms
        return sorted(seen.items(), key=lambda kv: kv[1])


def run_link_of(event: dict[str, Any]) -> str | None:
    """The linkId of the run an event belongs to; None without one or for a transaction's own fallback link
    (`instanceId::l<n>`), which names no run."""
    link = event.get("linkId")
    return link if isinstance(link, str) and not is_fallback_link(link) else None


def meta_of(event: dict[str, Any]) -> dict[str, Any]:
    """The event's `meta` object, or an empty one when it has none."""
    meta = event.get("meta")
    return meta if isinstance(meta, dict) else {}


class RunIndex:
    """Runs by linkId, in trigger order."""

    def __init__(self) -> None:
        self.runs: dict[str, RunInfo] = {}
        self.order: list[str] = []
        self.version = 0
        self._early_txns: dict[str, list[int]] = {}

    def feed(self, row: int, event: dict[str, Any]) -> RunInfo | None:
        """Take one async-action event; returns the run it touched (None for anything else)."""
        meta = meta_of(event)
        link = event.get("linkId")
        if event.get("kind") != "action" or event.get("label") != "async-action" or not isinstance(link, str):
            return None
        ts = float(event.get("timestamp") or 0.0)
        run = self.runs.get(link)
        if run is None:
            run = RunInfo(link, str(event.get("instanceId", "")), str(event.get("moduleId", "")),
                          str(meta.get("actionId", "?")), ts)
            self.runs[link] = run
            self.order.append(link)
            run.txn_seqs.extend(self._early_txns.pop(link, []))
        run.rows.append(row)
        run.policy = meta.get("concurrencyPolicy", run.policy)
        run.lane = meta.get("lane", run.lane)
        phase = meta.get("phase")
        if phase == "trigger":
            run.started_ms = min(run.started_ms, ts)
        elif phase == "settle":
            run.status = str(meta.get("status", "pending"))
            run.settled_ms = ts
            run.cancel_reason = meta.get("cancelReason")
            duration = meta.get("durationMs")
            run.duration_ms = float(duration) if isinstance(duration, (int, float)) else ts - run.started_ms
            run.reported_txn_seqs = [int(s) for s in meta.get("txnSeqs", []) if isinstance(s, int)]
            run.dropped_txn_seq_count = int(meta.get("droppedTxnSeqCount", 0) or 0)
            if isinstance(event.get("errorSummary"), dict):
                run.error = event["errorSummary"]
        self.version += 1
        return run

    def note_txn(self, link_id: str, txn_seq: int) -> None:
        if is_fallback_link(link_id):  # a transaction linked to itself only: never a run's
            return
        run = self.runs.get(link_id)
        if run is None:  # a transaction seen before its run's trigger (e.g. a trace cut mid-run): keep it for later
            self._early_txns.setdefault(link_id, []).append(txn_seq)
            return
        if txn_seq and txn_seq not in run.txn_seqs:
            run.txn_seqs.append(txn_seq)
            self.version += 1

    def note_operation(self, link_id: str, command_id: str) -> None:
        run = self.runs.get(link_id)
        if run is not None and command_id not in run.command_ids:
            run.command_ids.append(command_id)
            self.version += 1

    def in_order(self) -> list[RunInfo]:
        return [self.runs[k] for k in self.order]

    def release(self, n: int) -> set[str]:
        """The store let its oldest `n` rows go: forget the settled runs all of whose events went with them (their
        linkIds are returned); the rows of the others move down by n (below 0: let go)."""
        gone = set()
        for link, run in self.runs.items():  # in trigger order: once a run starts at row n or later, so do the rest
            if run.rows and run.rows[0] >= n:
                break
            if not run.open and all(r < n for r in run.rows):
                gone.add(link)
        for link in gone:
            del self.runs[link]
        self.order = [link for link in self.order if link not in gone]
        for run in self.runs.values():
            run.rows = [r - n for r in run.rows]
        self.version += 1
        return gone


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


class OperationIndex:
    """Operations by commandId, in submit order; each event is a stage fact."""

    def __init__(self) -> None:
        self.ops: dict[str, OperationInfo] = {}
        self.order: list[str] = []
        self.version = 0

    def feed(self, row: int, event: dict[str, Any]) -> OperationInfo | None:
        """Take one `operation` event; returns the operation it touched (None for anything else)."""
        if event.get("kind") != "operation":
            return None
        meta = meta_of(event)
        command_id = meta.get("commandId")
        if not isinstance(command_id, str):
            return None
        ts = float(event.get("timestamp") or 0.0)
        op = self.ops.get(command_id)
        if op is None:
            op = OperationInfo(command_id, str(event.get("instanceId", "")), _str(meta.get("kind")),
                               _str(meta.get("target")), _str(event.get("linkId")), _str(meta.get("correlationId")),
                               ts)
            self.ops[command_id] = op
            self.order.append(command_id)
        if op.link_id is None and isinstance(event.get("linkId"), str):
            op.link_id = event["linkId"]
        phase = meta.get("phase")
        disposition = meta.get("disposition")
        stage_after = str(meta.get("stage") or "unknown")
        fact_stage = str(meta.get("eventStage") or stage_after)
        late = phase in ("late_fact", "resolved_late") or disposition == "late"
        error = meta.get("error") if isinstance(meta.get("error"), dict) else None
        op.facts.append(StageFactInfo(fact_stage if fact_stage in STAGES else "unknown", ts, _str(meta.get("source")),
                                      late, bool(meta.get("inferred")) or disposition == "inferred", row, error,
                                      meta.get("version") if isinstance(meta.get("version"), int) else None,
                                      meta.get("attempt") if isinstance(meta.get("attempt"), int) else None,
                                      disposition if phase == "fact" and disposition in RECORDED_ONLY else None))
        if stage_after in STAGES and stage_after != "unknown":
            op.stage = stage_after
        op.detached = bool(meta.get("detached", op.detached))
        if isinstance(meta.get("lateResolution"), str):
            op.late_resolution = meta["lateResolution"]
        left = meta.get("deadlineInMs")
        if isinstance(left, (int, float)) and not op.terminal:
            op.deadline_ms = ts + float(left)
        self.version += 1
        return op

    def in_order(self) -> list[OperationInfo]:
        return [self.ops[k] for k in self.order]

    def release(self, n: int) -> set[str]:
        """The store let its oldest `n` rows go: forget the terminal operations all of whose facts went with them
        (their commandIds are returned); the fact rows of the others move down by n (below 0: let go)."""
        gone = set()
        for cid, op in self.ops.items():  # in submit order: once one starts at row n or later, so do the rest
            if op.facts and op.facts[0].row >= n:
                break
            if op.terminal and all(f.row < n for f in op.facts):
                gone.add(cid)
        for cid in gone:
            del self.ops[cid]
        self.order = [cid for cid in self.order if cid not in gone]
        for op in self.ops.values():
            op.facts = [f.moved(-n) for f in op.facts]
        self.version += 1
        return gone


def _rank(stage: str) -> int:
    if stage in PROGRESS:
        return PROGRESS.index(stage)
    return len(PROGRESS)  # terminals outrank progress
