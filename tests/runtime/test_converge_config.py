"""Converge settings: provider > runtime_module > runtime_default > builtin, every scope settable while the runtime
runs (from the next transaction), each event naming the scope that won; the sampling of `sampled` diagnostics is
configurable too."""

from __future__ import annotations

import pytest

from converge_support import pairs
from runtime import ConvergeConfig, ConvergeSampling, DefinitionError, Runtime


def last_converge(rt):
    return [e for e in rt.hub.events() if e["kind"] == "trait:converge"][-1]["meta"]


def test_every_scope_switches_while_running_and_the_event_names_the_winner():
    m, other = pairs(50), pairs(51)
    rt = Runtime(diagnostics="light")
    inst, peer = rt.mount(m), rt.mount(other)
    seen = []

    def bump():
        inst.dispatch("bump", [1])
        meta = last_converge(rt)
        seen.append((meta["configScope"], meta["requestedMode"], meta["executionBudgetMs"],
                     meta["decisionBudgetMs"]))

    bump()
    rt.set_converge_config(ConvergeConfig(budget_ms=100.0))  # runtime_default, hot
    bump()
    rt.set_converge_config(ConvergeConfig(mode="full"), module_id=m.id)  # runtime_module, hot
    bump()
    rt.set_converge_override(None, ConvergeConfig(decision_budget_ms=0.25))  # provider for the whole runtime
    bump()
    rt.set_converge_override(m.id, ConvergeConfig(mode="dirty"))  # provider for this module beats the whole one
    bump()
    rt.set_converge_override(m.id, None)
    rt.set_converge_override(None, None)
    rt.set_converge_config(None, module_id=m.id)
    bump()
    rt.set_converge_config(None)
    bump()
    assert seen == [
        ("builtin", "auto", 200.0, 0.5),
        ("runtime_default", "auto", 100.0, 0.5),
        ("runtime_module", "full", 100.0, 0.5),
        ("provider", "full", 100.0, 0.25),
        ("provider", "dirty", 100.0, 0.25),
        ("runtime_default", "auto", 100.0, 0.5),
        ("builtin", "auto", 200.0, 0.5),
    ]
    peer.dispatch("bump", [1])
    assert last_converge(rt)["configScope"] == "builtin"  # a module override touches its module only


def test_sampling_every_n_and_top_k_are_configurable():
    rt = Runtime(diagnostics="sampled", converge_sampling=ConvergeSampling(sample_every_n=2, top_k=5))
    inst = rt.mount(pairs(12))
    for _ in range(4):
        inst.dispatch("bump", list(range(12)))
    metas = [e for e in rt.hub.events() if e["kind"] == "trait:converge"]
    assert [(m["txnSeq"], m["meta"]["diagnosticsSampling"]["sampled"]) for m in metas] == [
        (1, True), (2, False), (3, True), (4, False), (5, True)]
    assert all(m["meta"]["diagnosticsSampling"]["sampleEveryN"] == 2 for m in metas)
    assert all(m["meta"]["diagnosticsSampling"]["topK"] == 5 for m in metas)
    assert [len(m["meta"].get("top3", ())) for m in metas] == [5, 0, 5, 0, 5]
    rt.set_converge_sampling(ConvergeSampling(sample_every_n=1, top_k=1))
    inst.dispatch("bump", [0])
    assert len(last_converge(rt)["top3"]) == 1


@pytest.mark.parametrize("bad", [{"sample_every_n": 0}, {"top_k": 0}, {"top_k": 17}, {"sample_every_n": 1.5}])
def test_sampling_refuses_what_cannot_be_meant(bad):
    with pytest.raises(DefinitionError, match="ConvergeSampling"):
        ConvergeSampling(**bad)
