"""What the timeline says about the item under the mouse: tooltip text and the row a click selects.

Kept apart from the widget so the wording is one place and the widget stays about drawing and input.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from runtime.trace import EventStore

from ...model.runs import OperationInfo, RunInfo, run_link_of
from ...model.timeline_model import Lane, TimelineModel

__all__ = ["Hit", "describe_hit", "selected_row_of"]


@dataclass(frozen=True, slots=True)
class Hit:
    """An item of a lane under the mouse."""

    lane: Lane
    subrow: int
    item: int
    """Index into the sub-row's span arrays."""
    ref: int
    """The span's ref (a store row for txn/ticks, an index into lane.refs for runs/ops)."""
    count: int
    """Spans starting in the same pixel column (more than one when zoomed out)."""


def _ms(value: float | None) -> str:
    if value is None:
        return "?"
    return f"{value:.3f} ms" if value < 10 else f"{value:.1f} ms"


def describe_hit(hit: Hit, model: TimelineModel, store: EventStore) -> str:
    """Tooltip text for a hit (several lines, the first names the item)."""
    more = f"\n(+{hit.count - 1} more in this pixel; zoom in to separate them)" if hit.count > 1 else ""
    kind = hit.lane.kind
    if kind in ("txn", "ticks") and hit.ref < 0:
        return f"{'tick' if kind == 'ticks' else 'transaction'} whose first event was let go (retention bound)" + more
    if kind == "txn":
        return _describe_txn(hit.ref, store) + more
    if kind == "ticks":
        event = store.payload(hit.ref)
        meta = event.get("meta") or {}
        budget = meta.get("budget") or {}
        return (f"tick {meta.get('tickSeq')} ({meta.get('phase')})\n"
                f"transactions: {budget.get('txnCount', '?')}, elapsed {_ms(budget.get('elapsedMs'))}") + more
    key = hit.lane.refs[hit.ref]
    if kind == "runs":
        return _describe_run(model.runs.runs[key]) + more
    if kind == "e2e":
        return _describe_segment(hit.lane.ref_rows[hit.ref], key, model, store) + more
    return _describe_op(model.operations.ops[key]) + more


def _describe_txn(row: int, store: EventStore) -> str:
    event = store.payload(row)
    meta = event.get("meta") or {}
    txn_id = event.get("txnId") or store.txn_id_of(row)
    origin = meta.get("originKind", "?") + (f" {meta['originName']}" if meta.get("originName") else "")
    dirty = meta.get("dirtySet") or {}
    roots = "all (dirtyAll)" if dirty.get("dirtyAll") else str(dirty.get("rootCount", len(dirty.get("rootIds", []))))
    lines = [f"transaction {txn_id}", f"origin: {origin}",
             f"dirty roots: {roots}, patches: {meta.get('patchCount', '?')}"]
    converge = _converge_of(row, event, store)
    if converge:
        lines.append(f"converge: {converge.get('executedMode')} (requested {converge.get('requestedMode')}), "
                     f"{converge.get('outcome')}; {', '.join(converge.get('reasons', []))}")
        lines.append(f"decision {_ms(converge.get('decisionDurationMs'))}, "
                     f"execution {_ms(converge.get('executionDurationMs'))}")
    else:
        lines.append("converge: none (no derived fields ran)")
    run = run_link_of(event)
    if run:
        lines.append(f"run: {run}")
    return "\n".join(lines)


def _converge_of(row: int, event: dict[str, Any], store: EventStore) -> dict[str, Any] | None:
    meta = event.get("meta") or {}
    summary: dict[str, Any] | None = (meta.get("fieldSummary") or {}).get("converge")
    if summary:
        return summary
    # the trait:converge event is exported right before its state:update
    for r in (row - 1, row - 2):
        if r >= 0 and store.label_of(r) == "trace:trait:converge" and store.txn[r] == store.txn[row] \
                and store.instance[r] == store.instance[row]:
            converge: dict[str, Any] | None = store.payload(r).get("meta")
            return converge
    return None


def _describe_run(run: RunInfo) -> str:
    lines = [f"action run {run.action_id} ({run.link_id})", f"status: {run.status}"
             + (f" ({run.cancel_reason})" if run.cancel_reason else "")]
    if run.policy:
        lines.append(f"policy: {run.policy}")
    lines.append(f"duration: {_ms(run.duration_ms) if run.duration_ms is not None else 'running'}")
    if run.txn_seqs:
        lines.append(f"transactions: {len(run.txn_seqs)}")
    if run.command_ids:
        lines.append(f"operations: {len(run.command_ids)}")
    return "\n".join(lines)


def _describe_segment(row: int, link_id: str, model: TimelineModel, store: EventStore) -> str:
    if row < 0:
        return f"e2e segment of {link_id} whose event was let go (retention bound)"
    meta = store.payload(row).get("meta") or {}
    kind = meta.get("segmentKind", "?")
    name = "UI commit (react:commit)" if kind == "react:commit" else kind
    lines = [f"e2e {name} of {link_id}", f"duration: {_ms(meta.get('durationMs'))}"]
    if "tickSeq" in meta:
        shared = len(meta.get("linkIds", [])) - 1 + int(meta.get("droppedLinkIdCount", 0) or 0)
        lines.append(f"tick {meta['tickSeq']}" + (f", shared with {shared} other run(s)" if shared > 0 else ""))
    if meta.get("reasonCode"):
        lines.append(f"reason: {meta['reasonCode']}")
    chain = model.e2e.chains.get(link_id)
    latency = chain.action_to_paint_ms() if chain is not None else None
    if latency is not None:
        lines.append(f"action -> paint: {_ms(latency)}")
    return "\n".join(lines)


def _describe_op(op: OperationInfo) -> str:
    lines = [f"operation {op.command_id}" + (f" {op.op_kind}" if op.op_kind else "")
             + (f" -> {op.target}" if op.target else ""), f"stage: {op.stage}"]
    times = op.stage_times()
    if len(times) > 1:
        steps = [f"{a}->{b} {_ms(tb - ta)}" for (a, ta), (b, tb) in zip(times, times[1:], strict=False)]
        lines.append(", ".join(steps))
    if op.deadline_ms is not None:
        lines.append(f"deadline: +{_ms(op.deadline_ms - op.submitted_ms)} after submit")
    if op.detached:
        lines.append("detached (its run already settled)")
    if op.late_facts:
        lines.append(f"late facts: {len(op.late_facts)}")
    return "\n".join(lines)


def selected_row_of(hit: Hit, model: TimelineModel) -> int:
    """The store row a click on `hit` selects."""
    if hit.lane.kind in ("txn", "ticks"):
        return hit.ref
    key = hit.lane.refs[hit.ref]
    if hit.lane.kind == "e2e":
        row = hit.lane.ref_rows[hit.ref]
        return row if row >= 0 else (model.runs.runs[key].rows[0] if key in model.runs.runs else 0)
    if hit.lane.kind == "runs":
        return model.runs.runs[key].rows[0]
    return model.operations.ops[key].facts[0].row
