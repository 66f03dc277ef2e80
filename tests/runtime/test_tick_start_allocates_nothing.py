"""A tick at diagnostics full allocates nothing more than a tick at off before its listeners are told (issue 18).

Its start event is reserved into one object the scheduler reuses and built after the listeners; what triggered it
is taken along without a copy; the e2e recorder is not asked unless end-to-end recording is configured. An object
made on the way to the listeners is, at full, a cold cache line (the ring keeps the earlier ones alive), which the
listeners wait for. The events read afterwards are the ones a tick records anyway (test_tick_start_held.py).
"""

from __future__ import annotations

import statistics
import sys

import pytest
from tick_support import counter, ticks

from runtime import Runtime


def _blocks_until_told(level: str, rounds: int = 8) -> list[int]:
    """Memory blocks allocated between the end of a batch and its tick's first listener, per tick."""
    rt = Runtime(diagnostics=level)
    inst = rt.mount(counter())
    told = [0]

    def listener() -> None:
        told[0] = sys.getallocatedblocks()

    rt.store.topic(inst).subscribe(listener)
    deltas = []
    for _ in range(rounds + 4):  # the first ticks fill the shared meta parts and the spare tally
        with rt.batch():
            inst.dispatch("add", 1)
            before = sys.getallocatedblocks()
        deltas.append(told[0] - before)
    if level == "full":
        assert len(ticks(rt, "start")) == rounds + 4 and len(ticks(rt, "settled")) == rounds + 4
    return deltas[4:]


@pytest.mark.parametrize("level", ["light", "full"])
def test_a_tick_with_diagnostics_on_allocates_what_one_at_off_does_until_its_listeners(level: str) -> None:
    off, on = statistics.median(_blocks_until_told("off")), statistics.median(_blocks_until_told(level))
    assert on <= off, f"at {level} a tick allocated {on - off} more blocks than at off before its listeners"
