"""At diagnostics off no decision payload is built at all: no Decision, no ConvergeRecord, whatever the planner
chooses (cold start, first sighting, cached plan, a new key, a requested mode). The same workload at light makes a
Decision per window and builds each ConvergeRecord when it is read (once), so the count is not zero by accident."""

from __future__ import annotations

from typing import Any

import pytest

import runtime.converge.planner as planner_module
import runtime.kernel.transaction as transaction_module
from runtime import ConvergeConfig, Runtime
from converge_support import counted_pairs


def _count_builds(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    built = {"Decision": 0, "ConvergeRecord": 0}

    def counting(name: str, cls: Any) -> Any:
        def build(*args: Any, **kwargs: Any) -> Any:
            built[name] += 1
            return cls(*args, **kwargs)

        return build

    monkeypatch.setattr(planner_module, "Decision", counting("Decision", planner_module.Decision))
    monkeypatch.setattr(transaction_module, "ConvergeRecord",
                        counting("ConvergeRecord", transaction_module.ConvergeRecord))
    return built


@pytest.mark.parametrize("mode", ["auto", "dirty", "full"])
def test_off_builds_no_decision_payload_and_light_does(monkeypatch: pytest.MonkeyPatch, mode: str) -> None:
    built = _count_builds(monkeypatch)
    calls: dict[int, int] = {}
    for level, expect_none in (("off", True), ("light", False)):
        inst = Runtime(diagnostics=level, converge=ConvergeConfig(mode=mode)).mount(counted_pairs(100, calls))
        records = [inst.dispatch("bump", which) for which in ([1], [1], [1], [2], list(range(95)))]
        if expect_none:
            assert built == {"Decision": 0, "ConvergeRecord": 0}
            assert all(r is not None and r.converge is None for r in records)
        else:
            assert built["Decision"] == len(records) + 1  # and the cold start at mount
            assert built["ConvergeRecord"] == 0  # nobody read one yet
            assert all(r is not None and r.converge is not None for r in records)
            assert all(r is not None and r.converge is r.converge for r in records)  # built once, then kept
            assert built["ConvergeRecord"] == len(records)
