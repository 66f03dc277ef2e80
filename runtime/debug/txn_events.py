"""The exported metas of a committed transaction, `state:update` and `trait:converge`, per diagnostics level
(their shapes: docs/rules/diagnostics.md)."""

from __future__ import annotations

from typing import Any

from runtime.base.paths import DirtySet
from runtime.base.records import ConvergeRecord, DeferredConverge, PatchRecord, TxnRecord
from runtime.base.state_access import MISSING
from runtime.debug.call_site import TakenSite, exported_site
from runtime.debug.projection import DEFAULT_BUDGET, SizeBudget, project, project_value

__all__ = ["state_update_meta", "converge_meta", "converge_event_meta", "exec_vm_meta", "action_meta",
           "action_site_meta",
           "DIRTY_ROOT_EXPORT_LIMIT", "CONVERGE_STEP_EXPORT_LIMIT"]

DIRTY_ROOT_EXPORT_LIMIT = 256
"""rootIds exported per state:update; beyond it `rootIdsTruncated` (rootCount stays exact)."""
CONVERGE_STEP_EXPORT_LIMIT = 512
"""Executed steps a full-level state:update lists in `convergeSteps`; beyond it `convergeStepsTruncated`."""
CONVERGE_TOP_ROOTS = {"light": 3, "full": 32}
"""Dirty root ids a converge decision carries, by level (the first ones; rootIdsTruncated says when cut)."""
STATE_BUDGET = SizeBudget()
PATCH_VALUE_BUDGET = SizeBudget(max_depth=4, max_keys=16, max_items=16, max_string=128, max_bytes=1024)

# Exported patch reasons are a closed set: a check exports as `trait-computed`, writers without a reason of their
# own as `unknown`, and keep their identity in traitNodeId.
_PATCH_REASON = {
    "reducer": "reducer",
    "trait-computed": "trait-computed",
    "trait-link": "trait-link",
    "trait-check": "trait-computed",
    "source-refresh": "source-refresh",
    "devtools": "devtools",
    "perf": "perf",
}


def _patch_json(p: PatchRecord, downgrades: set[str]) -> dict[str, Any]:
    # The op id of a patch (PatchRecord.op) stays in the record: the exported patch shape has no field for it.
    out: dict[str, Any] = {"opSeq": p.op_seq, "reason": _PATCH_REASON.get(p.reason, "unknown")}
    if p.path_id is not None:
        out["pathId"] = p.path_id
    if p.step_id is not None:
        out["stepId"] = p.step_id
    node = p.node or (p.reason if p.reason not in _PATCH_REASON else None)
    if node:
        out["traitNodeId"] = node
    if p.before is not MISSING:
        out["from"], downgrade = project_value(p.before, PATCH_VALUE_BUDGET)
        if downgrade:
            downgrades.add(downgrade)
    if p.after is not MISSING:
        out["to"], downgrade = project_value(p.after, PATCH_VALUE_BUDGET)
        if downgrade:
            downgrades.add(downgrade)
    return out


_DIRTY_EXPORTS: dict[tuple[bool, str | None, tuple[int, ...]], dict[str, Any]] = {}
_DIRTY_EXPORTS_LIMIT = 256


def _dirty_json(dirty: DirtySet) -> dict[str, Any]:
    """The exported dirty set, one object per distinct set reused across events (most transactions of an app
    write the same few sets; exported metas are read-only, as the tick metas of runtime.ticks.tick_trace)."""
    key = (dirty.dirty_all, dirty.reason, dirty.root_ids)
    out = _DIRTY_EXPORTS.get(key)
    if out is None:
        if len(_DIRTY_EXPORTS) >= _DIRTY_EXPORTS_LIMIT:
            _DIRTY_EXPORTS.clear()
        out = _DIRTY_EXPORTS[key] = dirty.to_json(DIRTY_ROOT_EXPORT_LIMIT)
    return out


def state_update_meta(record: TxnRecord, state: Any, level: str) -> tuple[dict[str, Any], str | None]:
    """The meta of a state:update event and the downgrade reason of what was cut (None when nothing was)."""
    downgrades: set[str] = set()
    projected = project(state, STATE_BUDGET)
    if projected.downgrade:
        downgrades.add(projected.downgrade)
    meta: dict[str, Any] = {
        "state": projected.value,
        "dirtySet": _dirty_json(record.dirty),
        "patchCount": record.patch_count,
        "patchesTruncated": record.patches_truncated,
        "staticIrDigest": record.static_ir_digest,
        "commitMode": record.commit_mode,
        "priority": record.priority,
        "originKind": record.origin.kind,
    }
    if record.patches_truncated:
        meta["patchesTruncatedReason"] = "max_patches"
    if record.origin.name:
        meta["originName"] = record.origin.name
    if level == "full":
        meta["patches"] = [_patch_json(p, downgrades) for p in record.patches]
        if record.origin.site is not None:
            meta["callSite"] = exported_site(record.origin.site)
        if record.converge is not None:
            meta["fieldSummary"] = {"converge": converge_meta(record.converge, level, record.instance_id)}
            if record.converge.steps:
                _add_steps(meta, record.converge.steps)
    reason = "non_serializable" if "non_serializable" in downgrades else ("oversized" if downgrades else None)
    return meta, reason


def _add_steps(meta: dict[str, Any], steps: tuple[tuple[int, float, bool, int], ...]) -> None:
    """Every executed step with its duration and whether it changed its output: the converge decision's own shape
    (reference schema, closed) holds only the top 3, so the whole list rides on state:update as an extension."""
    meta["convergeSteps"] = [{"stepId": sid, "durationMs": round(ms, 4), "changed": changed}
                             for sid, ms, changed, _op in steps[:CONVERGE_STEP_EXPORT_LIMIT]]
    meta["convergeStepsTruncated"] = len(steps) > CONVERGE_STEP_EXPORT_LIMIT


def converge_meta(c: ConvergeRecord, level: str, instance_id: str = "") -> dict[str, Any]:
    """FieldConvergeDecisionSummary at `level` (light and sampled keep the dirty summary slim)."""
    meta: dict[str, Any] = {
        "requestedMode": c.requested_mode,
        "executedMode": c.executed_mode,
        "outcome": c.outcome,
        "configScope": c.config_scope,
        "staticIrDigest": c.static_ir_digest,
        "executionBudgetMs": c.execution_budget_ms,
        "executionDurationMs": round(c.execution_ms, 4),
        "decisionBudgetMs": c.decision_budget_ms,
        "decisionDurationMs": round(c.decision_ms, 4),
        "reasons": list(c.reasons),
        "stepStats": {
            "totalSteps": c.total_steps,
            "executedSteps": c.executed_steps,
            "skippedSteps": c.total_steps - c.executed_steps,
            "changedSteps": c.changed_steps,
            "affectedSteps": c.affected_steps,
        },
        "cache": c.cache or {"capacity": 0, "size": 0, "hits": 0, "misses": 0, "evicts": 0, "hit": False},
        "generation": c.generation,
        "staticIr": {"fieldPathCount": c.field_path_count, "stepCount": c.total_steps,
                     "buildDurationMs": round(c.ir_build_ms, 4)},
        "thresholds": {"floorRatio": 1.05},
    }
    dirty = c.dirty or DirtySet.from_roots(())
    slim: dict[str, Any] = {"dirtyAll": dirty.dirty_all}
    if dirty.dirty_all and dirty.reason:
        slim["reason"] = dirty.reason
    top = CONVERGE_TOP_ROOTS.get(level)
    if top is not None:
        if level == "full":
            slim["rootCount"] = len(dirty.root_ids)
        slim["rootIds"] = list(dirty.root_ids[:top])
        slim["rootIdsTruncated"] = len(dirty.root_ids) > top
    meta["dirty"] = slim
    if level == "sampled":
        meta["diagnosticsSampling"] = {"strategy": "txnSeq_interval", "sampleEveryN": c.sample_every_n,
                                       "topK": c.top_k, "sampled": c.sampled}
    if level in ("full", "sampled") and c.top3:
        meta["top3"] = [  # a step's op id stays in ConvergeRecord.top3: the exported hotspot shape has no field for it
            {"kind": kind, "stepId": sid, "outFieldPathId": out_id, "durationMs": round(ms, 4), "changed": changed}
            for sid, out_id, ms, changed, kind, _op in c.top3
        ]
    return meta


# The meta makers of events recorded unbuilt (DebugSink.emit_pending): (meta, downgrade reason) from what the
# transaction already holds.

def converge_event_meta(c: ConvergeRecord | DeferredConverge, level: str,
                        instance_id: str) -> tuple[dict[str, Any], None]:
    """The meta of a `trait:converge` event (bounded by construction); a deferred record is built now."""
    return converge_meta(c.record() if isinstance(c, DeferredConverge) else c, level, instance_id), None


def exec_vm_meta(exec_vm: Any, level: str) -> tuple[dict[str, Any], None]:
    """The meta of a `trace:exec-vm` event (runtime.converge.assembly.ExecVm.evidence)."""
    return exec_vm.evidence(level), None


def action_meta(action_type: str) -> tuple[Any, str | None]:
    """The meta of an action event below level full: its tag, projected as any meta is."""
    projected = project({"actionTag": action_type}, DEFAULT_BUDGET)
    return projected.value, projected.downgrade


def action_site_meta(projected: dict[str, Any], downgrade: str | None,
                     site: TakenSite) -> tuple[dict[str, Any], str | None]:
    """The meta of an action event at level full: its projected tag and payload, then where it was dispatched from
    (resolved now, when the event is built; the transaction's state:update shares the same dict)."""
    return {**projected, "callSite": site.exported()}, downgrade
