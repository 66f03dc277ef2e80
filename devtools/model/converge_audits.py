"""The converge audits CNV-001..008, as pure functions over a window of converge evidence.

Input: the converge evidence of a window of transactions (`ConvergeTxn`, one per `trait:converge` event). Output:
one `Finding` per audit, always eight, each `fired`, `passed` or `insufficient_evidence` (a field the rule needs is
missing at the diagnostics level that recorded the window, e.g. `dirty.rootCount` at light), with an explanation
naming the transactions and the configuration change that addresses it, as snippets in the order provider override
(`rt.set_converge_override`, applies from the next transaction) then module override (`Runtime(converge_by_module)`).

| code    | fires when                                                                  | severity |
|---------|-----------------------------------------------------------------------------|----------|
| CNV-001 | a transaction degraded (execution budget exceeded, step error) or the        | error    |
|         | decision budget cut planning short (`budget_cutoff`)                        |          |
| CNV-002 | execution took >= 80 % of the execution budget                              | warning  |
| CNV-003 | mode auto, yet every transaction after the cold start ran full (>= 5 seen)  | info     |
| CNV-004 | a dirty converge still executed >= 90 % of the steps                        | warning  |
| CNV-005 | writes with no usable path: reasons `unknown_write` / `dirty_all`           | warning  |
| CNV-006 | the plan cache missed most lookups (>= 8 lookups, hit rate < 50 %) or was    | warning  |
|         | disabled                                                                    |          |
| CNV-007 | a dirty set had more than 50 roots or its root ids were truncated           | warning  |
| CNV-008 | more than one static IR digest per instance in the window (generation churn)| warning  |
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

__all__ = ["ConvergeTxn", "Finding", "Snippet", "run_audits", "RULES", "AUDIT_CODES", "converge_txn_from_event"]

AUDIT_CODES = tuple(f"CNV-00{i}" for i in range(1, 9))
BUDGET_RATIO = 0.8
NEAR_FULL_DIRTY = 0.9
ALWAYS_FULL_MIN = 5
CACHE_MIN_LOOKUPS = 8
CACHE_MIN_HIT_RATE = 0.5
ROOTS_LIMIT = 50


@dataclass(frozen=True, slots=True)
class ConvergeTxn:
    """The converge evidence of one transaction (a `trait:converge` meta and where it came from)."""

    txn_id: str
    module_id: str
    instance_id: str
    row: int
    """The store row of the event."""
    meta: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Snippet:
    """A configuration change, ready to paste."""

    kind: str
    """provider_override | module_override."""
    code: str


@dataclass(frozen=True, slots=True)
class Finding:
    """The outcome of one audit over a window."""

    code: str
    title: str
    status: str
    """fired | passed | insufficient_evidence."""
    severity: str
    """error | warning | info (what it is when it fires)."""
    explanation: str
    recommendation: str
    snippets: tuple[Snippet, ...] = ()
    txn_ids: tuple[str, ...] = ()
    """The transactions that triggered it (clicking the finding highlights them)."""
    rows: tuple[int, ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {"code": self.code, "title": self.title, "status": self.status, "severity": self.severity,
                "explanation": self.explanation, "recommendation": self.recommendation,
                "snippets": [{"kind": s.kind, "code": s.code} for s in self.snippets], "txnIds": list(self.txn_ids)}


def converge_txn_from_event(row: int, event: dict[str, Any]) -> ConvergeTxn | None:
    """The evidence of a `trait:converge` event (or a full-level state:update's fieldSummary), None otherwise."""
    meta = event.get("meta")
    if not isinstance(meta, dict):
        return None
    if event.get("label") == "state:update":
        meta = (meta.get("fieldSummary") or {}).get("converge")
        if not isinstance(meta, dict):
            return None
    elif event.get("kind") != "trait:converge":
        return None
    txn_id = event.get("txnId") or f"{event.get('instanceId')}::t{event.get('txnSeq')}"
    return ConvergeTxn(str(txn_id), str(event.get("moduleId", "")), str(event.get("instanceId", "")), row, meta)


def _snippets(modules: Iterable[str], config: str) -> tuple[Snippet, ...]:
    out: list[Snippet] = []
    mods = sorted(set(modules)) or ["<module>"]
    for m in mods:
        out.append(Snippet("provider_override", f"rt.set_converge_override({m!r}, ConvergeConfig({config}))"))
    body = ", ".join(f"{m!r}: ConvergeConfig({config})" for m in mods)
    out.append(Snippet("module_override", f"Runtime(..., converge_by_module={{{body}}})"))
    return tuple(out)


def _num(meta: dict[str, Any], *path: str) -> float | None:
    cur: Any = meta
    for key in path:
        if not isinstance(cur, dict) or key not in cur:
            return None
        cur = cur[key]
    return float(cur) if isinstance(cur, (int, float)) and not isinstance(cur, bool) else None


_Rule = Callable[[list[ConvergeTxn]], Finding]


def _finding(code: str, title: str, severity: str, hits: list[ConvergeTxn], explanation: str,
             recommendation: str, snippets: tuple[Snippet, ...] = ()) -> Finding:
    if not hits:
        return Finding(code, title, "passed", severity, "No transaction in the window shows this.", recommendation)
    ids = tuple(t.txn_id for t in hits)
    shown = ", ".join(ids[:5]) + (f" and {len(ids) - 5} more" if len(ids) > 5 else "")
    return Finding(code, title, "fired", severity, explanation.replace("{txns}", shown), recommendation, snippets,
                   ids, tuple(t.row for t in hits))


def _insufficient(code: str, title: str, severity: str, missing: str, recommendation: str) -> Finding:
    return Finding(code, title, "insufficient_evidence", severity,
                   f"The window lacks `{missing}`, which this audit needs; it is only recorded at a higher "
                   "diagnostics level. Set diagnostics to full and record again.", recommendation)


def cnv001(txns: list[ConvergeTxn]) -> Finding:
    degraded = [t for t in txns if t.meta.get("outcome") == "Degraded"]
    cutoff = [t for t in txns if "budget_cutoff" in (t.meta.get("reasons") or [])]
    hits = degraded + [t for t in cutoff if t not in degraded]
    budget = max((_num(t.meta, "executionDurationMs") or 0.0 for t in degraded), default=0.0)
    config = f"budget_ms={max(400.0, round(budget * 2, -1)):g}" if degraded else "decision_budget_ms=2.0"
    return _finding("CNV-001", "Converge degraded or cut short by a budget", "error", hits,
                    "{txns}: converge ran out of budget. A degraded transaction rolled back all its derived writes "
                    "(only the base writes committed); `budget_cutoff` means planning gave up and ran everything.",
                    "Raise the execution budget (or the decision budget for budget_cutoff), or make the slow "
                    "derivations cheaper.", _snippets((t.module_id for t in hits), config))


def cnv002(txns: list[ConvergeTxn]) -> Finding:
    hits = []
    for t in txns:
        used, budget = _num(t.meta, "executionDurationMs"), _num(t.meta, "executionBudgetMs")
        if used is not None and budget and used / budget >= BUDGET_RATIO and t.meta.get("outcome") != "Degraded":
            hits.append(t)
    worst = max((_num(t.meta, "executionDurationMs") or 0.0 for t in hits), default=0.0)
    return _finding("CNV-002", "Execution close to its budget", "warning", hits,
                    f"{{txns}}: execution used at least {BUDGET_RATIO:.0%} of the execution budget; the next "
                    "slightly slower run will degrade and roll back derived writes.",
                    "Give the module headroom or split the slowest derivation.",
                    _snippets((t.module_id for t in hits), f"budget_ms={max(400.0, round(worst * 2, -1)):g}"))


def cnv003(txns: list[ConvergeTxn]) -> Finding:
    by_inst: dict[str, list[ConvergeTxn]] = defaultdict(list)
    for t in txns:
        if t.meta.get("requestedMode") == "auto" and "cold_start" not in (t.meta.get("reasons") or []):
            by_inst[t.instance_id].append(t)
    hits = [t for ts in by_inst.values() if len(ts) >= ALWAYS_FULL_MIN and all(
        x.meta.get("executedMode") == "full" for x in ts) for t in ts]
    return _finding("CNV-003", "Auto always chose full", "info", hits,
                    "{txns}: with mode auto every transaction after the cold start still ran every step, so the "
                    "decision work bought nothing (a small graph, or writes that touch most roots).",
                    "Request full explicitly to skip the decision, or write narrower paths so dirty can pay off.",
                    _snippets((t.module_id for t in hits), "mode='full'"))


def cnv004(txns: list[ConvergeTxn]) -> Finding:
    hits = []
    for t in txns:
        executed, total = _num(t.meta, "stepStats", "executedSteps"), _num(t.meta, "stepStats", "totalSteps")
        if t.meta.get("executedMode") == "dirty" and executed is not None and total and \
                executed / total >= NEAR_FULL_DIRTY:
            hits.append(t)
    return _finding("CNV-004", "Dirty converge ran nearly every step", "warning", hits,
                    f"{{txns}}: a dirty plan executed at least {NEAR_FULL_DIRTY:.0%} of the steps; planning cost "
                    "more than running everything would have.",
                    "Let these modules run full.", _snippets((t.module_id for t in hits), "mode='full'"))


def cnv005(txns: list[ConvergeTxn]) -> Finding:
    hits = [t for t in txns if {"unknown_write", "dirty_all"} & set(t.meta.get("reasons") or [])]
    return _finding("CNV-005", "Writes without a usable path", "warning", hits,
                    "{txns}: the transaction replaced the state or wrote without field paths (`unknown_write` / "
                    "`dirty_all`), so converge could not plan and ran everything.",
                    "Write through the draft at field paths (draft['items'].append(...)) instead of replacing "
                    "whole state; until then, full avoids the wasted decision.",
                    _snippets((t.module_id for t in hits), "mode='full'"))


def cnv006(txns: list[ConvergeTxn]) -> Finding:
    with_cache = [t for t in txns if isinstance(t.meta.get("cache"), dict)]
    if txns and not with_cache:
        return _insufficient("CNV-006", "Plan cache misses", "warning", "cache", "")
    lookups = [t for t in with_cache if {"cache_hit", "cache_miss"} & set(t.meta.get("reasons") or [])]
    disabled = [t for t in with_cache if t.meta["cache"].get("disabled")]
    hits_n = sum(1 for t in lookups if t.meta["cache"].get("hit"))
    poor = len(lookups) >= CACHE_MIN_LOOKUPS and hits_n / len(lookups) < CACHE_MIN_HIT_RATE
    hits = disabled or ([t for t in lookups if not t.meta["cache"].get("hit")] if poor else [])
    reason = next((t.meta["cache"].get("disableReason") for t in disabled if t.meta["cache"].get("disableReason")),
                  None)
    rate = f"{hits_n}/{len(lookups)} lookups hit" if lookups else "no lookups"
    return _finding("CNV-006", "Plan cache misses", "warning", hits,
                    f"{{txns}}: the plan cache rarely helped ({rate}"
                    + (f"; disabled: {reason}" if reason else "") + "). Each miss recomputes reachability.",
                    "Dirty roots vary too much to cache; request full for these modules, or batch writes so the "
                    "same roots recur.", _snippets((t.module_id for t in hits), "mode='full'"))


def cnv007(txns: list[ConvergeTxn]) -> Finding:
    dirty = [t for t in txns if isinstance(t.meta.get("dirty"), dict)]
    if txns and not any("rootCount" in t.meta["dirty"] for t in dirty):
        return _insufficient("CNV-007", "Large dirty sets", "warning", "dirty.rootCount",
                             "Record at full diagnostics to see dirty set sizes.")
    hits = [t for t in dirty if (_num(t.meta, "dirty", "rootCount") or 0) > ROOTS_LIMIT
            or t.meta["dirty"].get("rootIdsTruncated")]
    return _finding("CNV-007", "Large dirty sets", "warning", hits,
                    f"{{txns}}: more than {ROOTS_LIMIT} dirty roots (or truncated root ids); planning and cache "
                    "keys grow with the roots.", "Write fewer distinct paths per transaction, or let the module run "
                    "full.", _snippets((t.module_id for t in hits), "mode='full'"))


def cnv008(txns: list[ConvergeTxn]) -> Finding:
    digests: dict[str, dict[str, ConvergeTxn]] = defaultdict(dict)
    for t in txns:
        d = t.meta.get("staticIrDigest")
        if isinstance(d, str) and d not in digests[t.instance_id]:
            digests[t.instance_id][d] = t
    hits = [t for per in digests.values() if len(per) > 1 for t in per.values()]
    return _finding("CNV-008", "Static IR churn", "warning", hits,
                    "{txns}: one instance used several static IR digests in the window; every new generation drops "
                    "the plan cache.", "Declare fields once at module definition rather than installing or removing "
                    "them while running.", ())


RULES: tuple[_Rule, ...] = (cnv001, cnv002, cnv003, cnv004, cnv005, cnv006, cnv007, cnv008)


def run_audits(txns: Iterable[ConvergeTxn]) -> list[Finding]:
    """All eight findings over a window of converge evidence (oldest first)."""
    window = list(txns)
    return [rule(window) for rule in RULES]
