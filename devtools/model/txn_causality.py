"""Why did a field recompute: one transaction's dirty roots and the converge steps that ran because of them.

`txn_causality(store, row)` reads the transaction a store row belongs to (its `state:update` and `trait:converge`
events) against the dependency graph of its static IR digest (devtools.model.ir_graph) and says, per field:

- `root`: a path the transaction's entry point wrote (the converge decision's dirty roots, and the state:update
  dirty roots no step writes);
- per step: `changed` (ran, wrote a new value), `unchanged` (ran, same value: no write), `skipped` (not run), or
  `unrecorded` (the evidence cannot tell);
- any other field: `clean` (an input that did not change).

The evidence, by diagnostics level: at full every executed step comes with its duration and whether it changed
(`convergeSteps` of state:update); below full the changed steps are the derived writes among the dirty roots, and
what ran unchanged is inferred from the plan (a dirty converge runs exactly the steps downstream of its roots, a
full one every step) unless the roots were cut short, when it is `unrecorded`. `evidence` says which applies.

`transactions_touching(store, instance_id, key)` lists the state:update rows of the transactions that wrote a
field (for a derived field: recomputed it to a new value), from the store's path index.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal
from weakref import WeakKeyDictionary

from runtime.trace import EventStore

from .ir_graph import GROUP, STEP_KINDS, IrGraph, IrNode, ir_graph_from

__all__ = ["StepRun", "TxnCausality", "Evidence", "txn_causality", "ir_graph_of", "transactions_touching",
           "SMALL_GRAPH", "txn_of_row"]

Evidence = Literal["full", "inferred", "partial"]
SMALL_GRAPH = 60
"""Modules with at most this many fields are drawn whole for a transaction (skipped steps in place)."""


@dataclass(frozen=True, slots=True)
class StepRun:
    key: str
    status: str
    """changed | unchanged | skipped | unrecorded."""
    duration_ms: float | None = None


@dataclass(frozen=True)
class TxnCausality:
    txn_id: str
    instance_id: str
    txn_seq: int
    origin: str
    """What opened it: the action type, or the origin kind (lifecycle, devtools, ...)."""
    graph: IrGraph
    """The module's dependency graph, with nodes for roots no step reads."""
    roots: tuple[str, ...]
    """Node keys the entry point wrote."""
    dirty_all: bool
    executed_mode: str | None
    outcome: str | None
    steps: dict[str, StepRun]
    evidence: Evidence
    state_row: int | None
    converge_row: int | None
    execution_ms: float | None

    def status_of(self, key: str) -> str:
        if key in self.roots:
            return "root"
        run = self.steps.get(key)
        return run.status if run is not None else "clean"

    def count(self, status: str) -> int:
        return sum(1 for r in self.steps.values() if r.status == status)

    def shown(self, limit: int = SMALL_GRAPH) -> tuple[IrGraph, int]:
        """The graph to draw and how many fields it leaves out: all of a small module; of a larger one the roots,
        the steps that ran or may have, and the direct inputs of those."""
        g = self.graph
        if len(g.nodes) <= limit:
            return g, 0
        keep = set(self.roots) | {k for k, r in self.steps.items() if r.status != "skipped"}
        keep |= {i for k in list(keep) for i in g.inputs_of(k)}
        return g.restricted(keep), len(g.nodes) - len(keep)


_GRAPHS: WeakKeyDictionary[EventStore, dict[tuple[str, bool], IrGraph]] = WeakKeyDictionary()
"""Built graphs per store, by digest and whether its graph record was there (an IR's graph never changes)."""


def ir_graph_of(store: EventStore, digest: str) -> IrGraph | None:
    """The dependency graph of the static IR `digest` held by the store (None when the store lacks that IR)."""
    export = store.static_irs.get(digest)
    if export is None:
        return None
    record = store.ir_graphs.get(digest)
    cache = _GRAPHS.setdefault(store, {})
    key = (digest, record is not None)
    graph = cache.get(key)
    if graph is None:
        graph = cache[key] = ir_graph_from(export, record)
    return graph


def txn_of_row(store: EventStore, row: int) -> tuple[str, int] | None:
    """(instance id, txnSeq) of the transaction a row belongs to, or None for rows outside one."""
    if not 0 <= row < len(store):
        return None
    seq = store.txn[row]
    return (store.instance_of(row), int(seq)) if seq else None


def _paths(store: EventStore, digest: str, ids: Any) -> list[tuple[str, ...]]:
    table = store.field_paths(digest) or ()
    return [table[i] for i in ids if isinstance(i, int) and 0 <= i < len(table)] if isinstance(ids, list) else []


def _overlaps(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    n = min(len(a), len(b))
    return a[:n] == b[:n]


def txn_causality(store: EventStore, row: int) -> TxnCausality | None:
    """The causality of the transaction `row` belongs to; None when the row is outside a transaction or the store
    holds neither its state:update nor its converge decision, or no static IR for its digest."""
    which = txn_of_row(store, row)
    if which is None:
        return None
    instance_id, txn_seq = which
    state_row = converge_row = None
    for r in store.index.rows_of_txn(instance_id, txn_seq):
        label = store.label_of(r)
        if label == "state:update":
            state_row = r
        elif label == "trace:trait:converge":
            converge_row = r
    if state_row is None and converge_row is None:
        return None
    update = store.payload(state_row).get("meta") or {} if state_row is not None else {}
    decision = store.payload(converge_row).get("meta") or {} if converge_row is not None else {}
    digest = update.get("staticIrDigest") or decision.get("staticIrDigest")
    if not isinstance(digest, str):
        return None
    graph = ir_graph_of(store, digest)
    if graph is None:
        return None
    dirty = update.get("dirtySet") or {}
    cdirty = decision.get("dirty") or {}
    dirty_all = bool(dirty.get("dirtyAll") or cdirty.get("dirtyAll"))
    written = _paths(store, digest, dirty.get("rootIds"))
    step_paths = {key: tuple(key.split(".")) for key, n in graph.nodes.items() if n.step_id is not None}
    derived = set(step_paths.values())
    base = _paths(store, digest, cdirty.get("rootIds")) + [p for p in written if p not in derived]
    nodes = dict(graph.nodes)
    roots: list[str] = []
    for path in dict.fromkeys(base):
        hits = [k for k, n in graph.nodes.items() if n.step_id is None and _overlaps(tuple(k.split(".")), path)]
        if not hits:
            key = ".".join(path)
            nodes.setdefault(key, IrNode(key, "state"))
            hits = [key]
        roots.extend(h for h in hits if h not in roots)
    if dirty_all:
        roots = [k for k, n in graph.nodes.items() if n.step_id is None]
    full_graph = IrGraph(graph.module_id, graph.instance_id, graph.digest, nodes, graph.edges, graph.has_edges)
    steps, evidence = _step_runs(update, decision, full_graph, roots, written, step_paths)
    ms = decision.get("executionDurationMs")
    origin = update.get("originName") or update.get("originKind") or "?"
    return TxnCausality(f"{instance_id}::t{txn_seq}", instance_id, txn_seq, str(origin), full_graph, tuple(roots),
                        dirty_all, decision.get("executedMode"), decision.get("outcome"), steps, evidence, state_row,
                        converge_row, float(ms) if isinstance(ms, (int, float)) else None)


def _step_runs(update: dict[str, Any], decision: dict[str, Any], graph: IrGraph, roots: list[str],
               written: list[tuple[str, ...]], step_paths: dict[str, tuple[str, ...]]
               ) -> tuple[dict[str, StepRun], Evidence]:
    key_of_step = {graph.nodes[k].step_id: k for k in step_paths}
    recorded = update.get("convergeSteps")
    if isinstance(recorded, list) and not update.get("convergeStepsTruncated"):
        runs = {k: StepRun(k, "skipped") for k in step_paths}
        for item in recorded:
            key = key_of_step.get(item.get("stepId")) if isinstance(item, dict) else None
            if key is not None:
                ms = item.get("durationMs")
                runs[key] = StepRun(key, "changed" if item.get("changed") else "unchanged",
                                    float(ms) if isinstance(ms, (int, float)) else None)
        return runs, "full"
    changed = {k for k, p in step_paths.items() if any(_overlaps(p, w) for w in written)}
    mode = decision.get("executedMode")
    cut = bool((decision.get("dirty") or {}).get("rootIdsTruncated")) or not decision
    if mode == "full":
        ran: set[str] = set(step_paths)
    elif mode == "dirty" and not cut:
        ran = graph.downstream(roots) & set(step_paths)
    else:
        ran = set()
    runs = {}
    for k in step_paths:
        status = "changed" if k in changed else "unchanged" if k in ran else \
            "skipped" if mode in ("full", "dirty") and not cut else "unrecorded"
        runs[k] = StepRun(k, status)
    return runs, "inferred" if not cut else "partial"


def transactions_touching(store: EventStore, instance_id: str, key: str) -> list[int]:
    """state:update rows (in order) of the transactions of `instance_id` that wrote field `key` (a group node
    `prefix.*`: any field under the prefix)."""
    path = key[:-2] if key.endswith(".*") else key
    return list(store.index.txns_touching(path, instance_id).rows)


def is_derived(node: IrNode) -> bool:
    """A field converge computes (as opposed to state, imports and groups)."""
    return node.kind in STEP_KINDS or (node.step_id is not None and node.kind != GROUP)
