"""Flow arrows of the timeline: from an action to the transactions it caused and to the tick that published them.

An action is either an async run (its span on the instance's `runs` lane; its transactions are those carrying its
linkId) or a dispatched action event (drawn at its time on the instance's `txn` lane; its transaction has the same
txnSeq). The tick of a transaction is the first tick of the instance's runtime still open at its commit or started
after it. Pure Python + numpy over the TimelineModel and the store, no Qt.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from runtime import is_fallback_link
from runtime.trace import EventStore

from .timeline_model import TimelineModel

__all__ = ["Flow", "FlowKind", "flows_of", "MAX_FLOWS"]

FlowKind = Literal["action->txn", "run->txn", "txn->tick"]
MAX_FLOWS = 200
"""A run with more transactions than this shows arrows to its first ones only."""
_ACTION_LOOKBACK = 8
"""The dispatched action event of a transaction is exported a few rows before its state:update."""


@dataclass(frozen=True, slots=True)
class Flow:
    """One arrow: from (lane key, x) to (lane key, x), x in seconds since the first event."""

    kind: FlowKind
    src_lane: str
    src_x: float
    dst_lane: str
    dst_x: float


def flows_of(row: int, store: EventStore, model: TimelineModel) -> list[Flow]:
    """The arrows for the item at store `row` (an action, a run's event, or an event of a transaction); empty when
    the row belongs to none of them."""
    if not 0 <= row < len(store) or model.origin_ms is None:
        return []
    instance = store.instance_of(row)
    link = store.link_of(row)
    run = model.runs.runs.get(link) if link is not None and not is_fallback_link(link) else None
    if run is not None:
        return _to_txns("run->txn", (f"{instance}/runs", model.x_of(run.started_ms)), instance,
                        run.txn_seqs[:MAX_FLOWS], store, model)
    txn_seq = int(store.txn[row])
    if txn_seq <= 0:
        return []
    action = _action_row(row, instance, txn_seq, store)
    src = (f"{instance}/txn", model.x_of(float(store.ts[action]))) if action is not None else None
    return _to_txns("action->txn", src, instance, [txn_seq], store, model)


def _action_row(row: int, instance: str, txn_seq: int, store: EventStore) -> int | None:
    """The dispatched action event of transaction `txn_seq` of `instance` around `row`."""
    code = store.instances.find(instance)
    for r in range(max(0, row - _ACTION_LOOKBACK), min(len(store), row + _ACTION_LOOKBACK + 1)):
        if store.instance[r] == code and store.txn[r] == txn_seq and store.kind_of(r) == "action" \
                and store.label_of(r) != "async-action":
            return r
    return None


def _to_txns(kind: FlowKind, src: tuple[str, float] | None, instance: str, seqs: list[int], store: EventStore,
             model: TimelineModel) -> list[Flow]:
    lane = model.lane(f"{instance}/txn")
    if lane is None or not seqs:
        return []
    arrays = lane.subrows[0].arrays()
    refs = arrays.refs
    held = refs >= 0
    txns = np.where(held, np.frombuffer(store.txn, np.uint32)[np.where(held, refs, 0)].astype(np.int64), -1)
    spans = np.flatnonzero(np.isin(txns, np.asarray(seqs, np.int64)))
    ticks_key = f"{store.runtime_of_instance(instance)}/ticks"
    ticks = model.lane(ticks_key)
    tick_arrays = ticks.subrows[0].arrays() if ticks is not None else None
    flows: list[Flow] = []
    for i in spans.tolist():
        start, end = float(arrays.starts[i]), float(arrays.ends[i])
        if src is not None:
            flows.append(Flow(kind, src[0], src[1], lane.key, start))
        if tick_arrays is not None and tick_arrays.size:
            at = int(np.searchsorted(tick_arrays.starts, end, side="left"))
            if at > 0 and tick_arrays.ends[at - 1] >= end:
                at -= 1  # a tick already running when the transaction committed publishes it
            if at < tick_arrays.size:
                flows.append(Flow("txn->tick", lane.key, end, ticks_key, float(tick_arrays.starts[at])))
    return flows
