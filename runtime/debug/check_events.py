"""The `trait:check` event: what the rules of one executed check step found.

Exported next to the `trait:converge` event of the same window, at every level that exports converge events
(light, sampled, full). Meta (resources/schemas/trait-check-meta.schema.json), bounded by construction:

    {stepId, field, staticIrDigest, outcome: valid | invalid, changed, rules: [{ruleId, outcome}],
     droppedRuleCount?, summary?: {scannedRows, affectedRows}}

`rules` lists at most 16 rules in declaration order, each `pass`, `fail` or `skipped` (an earlier rule already
failed, so it did not run); `summary` is a list check's: the rows it revalidated and how many of them are invalid.
"""

from __future__ import annotations

from typing import Any

from runtime.base.records import CheckRun
from runtime.debug.projection import cut_text

__all__ = ["MAX_RULES", "check_meta"]

MAX_RULES = 16
_MAX_NAME = 64


def check_meta(run: CheckRun, static_ir_digest: str) -> dict[str, Any]:
    rules = [{"ruleId": cut_text(name, _MAX_NAME), "outcome": outcome} for name, outcome in run.rules[:MAX_RULES]]
    meta: dict[str, Any] = {"stepId": run.step_id, "field": cut_text(run.field, 256),
                            "staticIrDigest": static_ir_digest, "outcome": "valid" if run.valid else "invalid",
                            "changed": run.changed, "rules": rules}
    if len(run.rules) > MAX_RULES:
        meta["droppedRuleCount"] = len(run.rules) - MAX_RULES
    if run.rows is not None:
        meta["summary"] = {"scannedRows": run.rows[0], "affectedRows": run.rows[1]}
    return meta
