"""Colours and labels of the causality graphs: by what a transaction did to a field, or by the field's kind."""

from __future__ import annotations

from ..model.ir_graph import GROUP, IrGraph
from ..model.txn_causality import TxnCausality
from .dag_canvas import NodeLook

__all__ = ["STATUS_FILL", "KIND_FILL", "txn_looks", "ir_looks", "legend_html"]

STATUS_FILL = {
    "root": "#f0a030",
    "changed": "#2e9e5b",
    "unchanged": "#3d6fb6",
    "skipped": "#c9ccd1",
    "unrecorded": "#9aa0a8",
    "clean": "#6b7280",
}
STATUS_TEXT = {
    "root": "dirty root (written by the transaction)",
    "changed": "ran, changed its output",
    "unchanged": "ran, same output",
    "skipped": "skipped",
    "unrecorded": "not recorded at this level",
    "clean": "input, unchanged",
}
KIND_FILL = {
    "state": "#6b7280",
    "computed": "#26a69a",
    "link": "#7e57c2",
    "check": "#ef6c00",
    "externalStore": "#1e88e5",
    "source": "#8d6e63",
    GROUP: "#37474f",
    "step": "#26a69a",
}


def txn_looks(c: TxnCausality, graph: IrGraph) -> list[NodeLook]:
    looks = []
    for key, node in graph.nodes.items():
        status = c.status_of(key)
        run = c.steps.get(key)
        detail = status if run is not None else f"{node.kind} · {status}"  # a step's kind is in its tooltip
        if run is not None and run.duration_ms is not None:
            detail += f" · {run.duration_ms:.3f} ms"
        looks.append(NodeLook(key, key, detail, STATUS_FILL[status], dashed=status in ("skipped", "unrecorded"),
                              tooltip=f"{key}\n{node.name or node.kind}\n{STATUS_TEXT[status]}"))
    return looks


def ir_looks(graph: IrGraph) -> list[NodeLook]:
    looks = []
    for key, node in graph.nodes.items():
        ins, outs = len(graph.inputs_of(key)), len(graph.outputs_of(key))
        detail = f"{node.members} fields" if node.kind == GROUP else f"{node.kind} · {ins} in · {outs} out"
        looks.append(NodeLook(key, key, detail, KIND_FILL.get(node.kind, "#607d8b"), dashed=node.kind == GROUP,
                              tooltip=f"{key}\n{node.name or node.kind}"))
    return looks


def legend_html(fills: dict[str, str], names: dict[str, str] | None = None) -> str:
    """One line of coloured squares with their names."""
    return " ".join(f"<span style='color:{colour}'>■</span>&nbsp;{(names or {}).get(k, k)}&nbsp;"
                    for k, colour in fills.items())
