"""The converge audits fire on evidence built to trigger each one; the pane shows them and degrades honestly."""

from __future__ import annotations

import pytest

from devtools.app.contexts import live_context
from devtools.model.converge_audits import AUDIT_CODES, ConvergeTxn, run_audits
from devtools.views.converge import ConvergePane
from runtime import ConvergeConfig, Module, Runtime, computed


def txn(seq: int, instance: str = "m#1", **meta) -> ConvergeTxn:
    base = {"requestedMode": "auto", "executedMode": "dirty", "outcome": "Converged", "configScope": "builtin",
            "staticIrDigest": "d1", "executionBudgetMs": 200.0, "executionDurationMs": 1.0,
            "decisionBudgetMs": 0.5, "decisionDurationMs": 0.01, "reasons": ["cache_hit"],
            "stepStats": {"totalSteps": 10, "executedSteps": 3, "skippedSteps": 7, "changedSteps": 1},
            "cache": {"capacity": 128, "size": 1, "hits": 1, "misses": 0, "evicts": 0, "hit": True},
            "dirty": {"dirtyAll": False, "rootCount": 2, "rootIds": [1, 2], "rootIdsTruncated": False}}
    base.update(meta)
    return ConvergeTxn(f"{instance}::t{seq}", "m", instance, seq, base)


CASES = {
    "CNV-001": [txn(2, outcome="Degraded", executionDurationMs=250.0)],
    "CNV-002": [txn(2, executionDurationMs=170.0)],
    "CNV-003": [txn(i, "n#1", executedMode="full", reasons=["near_full"]) for i in range(2, 8)],
    "CNV-004": [txn(2, stepStats={"totalSteps": 10, "executedSteps": 10, "skippedSteps": 0, "changedSteps": 4})],
    "CNV-005": [txn(2, executedMode="full", reasons=["dirty_all", "unknown_write"])],
    "CNV-006": [txn(i, reasons=["cache_miss"], cache={"capacity": 128, "size": 9, "hits": 0, "misses": i,
                                                      "evicts": 0, "hit": False}) for i in range(2, 12)],
    "CNV-007": [txn(2, dirty={"dirtyAll": False, "rootCount": 80, "rootIds": list(range(16)),
                              "rootIdsTruncated": True})],
    "CNV-008": [txn(2), txn(3, staticIrDigest="d2")],
}


@pytest.mark.parametrize("code", AUDIT_CODES)
def test_each_audit_fires_on_its_evidence_and_only_then(code):
    quiet = [txn(i) for i in range(2, 6)]
    assert {f.code: f.status for f in run_audits(quiet)}[code] == "passed"
    finding = {f.code: f for f in run_audits(quiet + CASES[code])}[code]
    assert finding.status == "fired"
    assert set(finding.txn_ids) == {t.txn_id for t in CASES[code]} or code == "CNV-008"
    assert finding.explanation and finding.recommendation
    if code != "CNV-008":
        assert [s.kind for s in finding.snippets][-1] == "module_override"
        assert finding.snippets[0].kind == "provider_override"
        assert "ConvergeConfig(" in finding.snippets[0].code


def test_missing_fields_give_insufficient_evidence_not_a_verdict():
    light = [txn(i, dirty={"dirtyAll": False}) for i in range(2, 6)]
    for t in light:
        del t.meta["cache"]
    by_code = {f.code: f for f in run_audits(light)}
    assert by_code["CNV-007"].status == "insufficient_evidence"
    assert "dirty.rootCount" in by_code["CNV-007"].explanation
    assert by_code["CNV-006"].status == "insufficient_evidence"


def slow_module() -> Module:
    """40 derived fields of one input, each slow next to a 0.001 ms budget (checked every few steps)."""

    def slow(a):
        return sum(range(2000 + a))

    fields = [computed(f"c{i}", deps=["a"], derive=slow) for i in range(40)]
    m = Module("calc", initial={"a": 0, **{f"c{i}": 0 for i in range(40)}}, fields=fields)

    @m.reducer("setA")
    def set_a(draft, v):
        draft["a"] = v

    return m


def test_the_pane_shows_a_real_degraded_transaction_with_its_fix(qtbot, aio):
    rt = Runtime(label="app", diagnostics="full", converge_by_module={"calc": ConvergeConfig(budget_ms=0.001)})
    ctx = live_context(rt)
    inst = rt.mount(slow_module())
    inst.dispatch("setA", 1)
    pane = ConvergePane(ctx)
    qtbot.addWidget(pane)
    pane.show()
    qtbot.waitUntil(lambda: any(f.code == "CNV-001" and f.status == "fired" for f in pane.findings))
    row = next(i for i, f in enumerate(pane.findings) if f.code == "CNV-001")
    pane.audits.setCurrentRow(row)
    assert "rt.set_converge_override('calc', ConvergeConfig(budget_ms=" in pane.detail.toPlainText()
    assert pane.highlighted_txn_ids() and all(t.startswith("calc#1::t") for t in pane.highlighted_txn_ids())
    assert "fired" in pane.header.text()
    for fn in ctx.cleanups:
        fn()
    rt.dispose()


def test_light_diagnostics_degrade_to_insufficient_evidence_without_a_blank_pane(qtbot, aio):
    rt = Runtime(label="app", diagnostics="light")
    ctx = live_context(rt)
    inst = rt.mount(slow_module())
    for v in range(3):
        inst.dispatch("setA", v)
    pane = ConvergePane(ctx)
    qtbot.addWidget(pane)
    pane.show()
    qtbot.waitUntil(lambda: len(pane.findings) == 8)
    assert {f.code: f.status for f in pane.findings}["CNV-007"] == "insufficient_evidence"
    assert pane.table.rowCount() >= 3
    for fn in ctx.cleanups:
        fn()
    rt.dispose()
