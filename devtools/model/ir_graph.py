"""The static IR of a module as a field dependency graph: who feeds whom, for the causality views.

Nodes are field paths (text, "items.price"): every converge step's output (kind computed, link, check), every field
fed from outside (externalStore, source: the IR's imports) and every plain state path a step reads (kind "state").
An edge `a -> b` says "a feeds b": b's step reads a path overlapping a (equal, a prefix or an extension of it), as
the converge planner triggers steps. Built from a trace store's `static-ir` export (the field path table, each
step's output) and its `static-ir:graph` record (each step's dependencies, the imports); without the latter (a
trace recorded before it existed) the graph has the step nodes and no edges, and says so (`has_edges`).

Derived graphs for navigation: `collapsed(prefixes)` merges the fields under each prefix into one group node,
`around(key, hops)` keeps a neighbourhood, `search(text)` finds fields.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["IrNode", "IrGraph", "ir_graph_from", "STEP_KINDS", "GROUP"]

STEP_KINDS = frozenset({"computed", "link", "check"})
GROUP = "group"
"""The kind of a node standing for every field under a collapsed prefix."""


@dataclass(frozen=True, slots=True)
class IrNode:
    key: str
    """The field path as text; a group's key is its prefix followed by `.*`."""
    kind: str
    """computed | link | check | externalStore | source | state | group (or `step` when the kind is unknown)."""
    step_id: int | None = None
    name: str = ""
    members: int = 1
    """Fields a group node stands for (1 for a field)."""


@dataclass(frozen=True)
class IrGraph:
    module_id: str
    instance_id: str
    digest: str
    nodes: dict[str, IrNode]
    """In a stable order: step outputs in step order, then imports, then plain state paths."""
    edges: tuple[tuple[str, str], ...]
    has_edges: bool = True
    _inputs: dict[str, list[str]] = field(default_factory=dict, repr=False)
    _outputs: dict[str, list[str]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for key in self.nodes:
            self._inputs.setdefault(key, [])
            self._outputs.setdefault(key, [])
        for a, b in self.edges:
            self._outputs[a].append(b)
            self._inputs[b].append(a)

    def inputs_of(self, key: str) -> list[str]:
        """The fields that feed `key` directly."""
        return list(self._inputs.get(key, ()))

    def outputs_of(self, key: str) -> list[str]:
        """The fields `key` feeds directly."""
        return list(self._outputs.get(key, ()))

    def downstream(self, keys: Iterable[str]) -> set[str]:
        """Every field reachable from `keys` along the edges (the keys themselves not included unless reached)."""
        seen: set[str] = set()
        todo = deque(k for k in keys if k in self.nodes)
        while todo:
            for nxt in self._outputs.get(todo.popleft(), ()):
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return seen

    def search(self, text: str) -> list[str]:
        """Fields whose path contains `text` (case-insensitive), exact matches first, in node order."""
        needle = text.strip().lower()
        if not needle:
            return []
        hits = [k for k in self.nodes if needle in k.lower()]
        return sorted(hits, key=lambda k: k.lower() != needle)

    def around(self, key: str, hops: int) -> IrGraph:
        """The subgraph of the fields at most `hops` edges away from `key`, in either direction."""
        if key not in self.nodes:
            raise KeyError(f"no field {key!r} in the IR of {self.module_id}")
        keep = {key}
        frontier = [key]
        for _ in range(max(0, hops)):
            nxt = [n for k in frontier for n in (*self._inputs[k], *self._outputs[k]) if n not in keep]
            keep.update(nxt)
            frontier = nxt
        return self.restricted(keep)

    def restricted(self, keys: Iterable[str]) -> IrGraph:
        keep = set(keys)
        return IrGraph(self.module_id, self.instance_id, self.digest,
                       {k: n for k, n in self.nodes.items() if k in keep},
                       tuple((a, b) for a, b in self.edges if a in keep and b in keep), self.has_edges)

    def collapsed(self, prefixes: Iterable[str]) -> IrGraph:
        """Every field under one of `prefixes` (the prefix itself or below it) merged into one group node
        `prefix.*`; the edges between groups and fields stay (once each), edges inside a group go."""
        wanted = sorted({p.strip().strip(".") for p in prefixes if p.strip().strip(".")}, key=len, reverse=True)
        if not wanted:
            return self
        group_of: dict[str, str] = {}
        for key in self.nodes:
            for p in wanted:  # the longest prefix wins
                if key == p or key.startswith(p + "."):
                    group_of[key] = p + ".*"
                    break
        nodes: dict[str, IrNode] = {}
        members: dict[str, int] = {}
        for key, node in self.nodes.items():
            g = group_of.get(key)
            if g is None:
                nodes[key] = node
            else:
                members[g] = members.get(g, 0) + 1
                nodes.setdefault(g, IrNode(g, GROUP))
        for g, n in members.items():
            nodes[g] = IrNode(g, GROUP, members=n, name=f"{n} fields")
        edges: dict[tuple[str, str], None] = {}
        for a, b in self.edges:
            ga, gb = group_of.get(a, a), group_of.get(b, b)
            if ga != gb:
                edges[(ga, gb)] = None
        return IrGraph(self.module_id, self.instance_id, self.digest, nodes, tuple(edges), self.has_edges)


def _text(path: Any) -> str:
    return ".".join(str(s) for s in path) if isinstance(path, list) else str(path)


def _overlaps(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    n = min(len(a), len(b))
    return a[:n] == b[:n]


def ir_graph_from(export: Mapping[str, Any], graph: Mapping[str, Any] | None) -> IrGraph:
    """The dependency graph of one static IR export and its `static-ir:graph` record (None when the trace has
    none: step nodes only, `has_edges` False)."""
    raw_paths = export.get("fieldPaths")
    paths = [tuple(str(s) for s in p) if isinstance(p, list) else (str(p),)
             for p in (raw_paths if isinstance(raw_paths, list) else [])]
    outs = [i for i in export.get("stepOutFieldPathIdByStepId") or [] if isinstance(i, int) and 0 <= i < len(paths)]
    kinds = list((graph or {}).get("stepKindByStepId") or [])
    names = list((graph or {}).get("stepNameByStepId") or [])
    deps = list((graph or {}).get("stepDepFieldPathIdsByStepId") or [])
    nodes: dict[str, IrNode] = {}
    providers: list[tuple[tuple[str, ...], str]] = []
    """(path, node key) of every field written by something other than a reducer."""
    for sid, out in enumerate(outs):
        key = ".".join(paths[out])
        kind = str(kinds[sid]) if sid < len(kinds) else "step"
        nodes[key] = IrNode(key, kind, sid, str(names[sid]) if sid < len(names) else f"{kind}:{key}")
        providers.append((paths[out], key))
    for imp in (graph or {}).get("imports") or []:
        if isinstance(imp, dict) and isinstance(imp.get("path"), list) and imp["path"]:
            key = _text(imp["path"])
            nodes.setdefault(key, IrNode(key, str(imp.get("kind", "import")), None, f"{imp.get('kind')}:{key}"))
            providers.append((tuple(str(s) for s in imp["path"]), key))
    by_head: dict[str, list[tuple[tuple[str, ...], str]]] = {}
    """Providers by their first segment: overlapping paths share it (large IRs: no scan of every provider)."""
    for p, k in providers:
        by_head.setdefault(p[0], []).append((p, k))
    edges: dict[tuple[str, str], None] = {}
    inputs: dict[str, IrNode] = {}
    for sid, out in enumerate(outs):
        target = ".".join(paths[out])
        for pid in deps[sid] if sid < len(deps) and isinstance(deps[sid], list) else ():
            if not isinstance(pid, int) or not 0 <= pid < len(paths) or not paths[pid]:
                continue
            dep = paths[pid]
            fed = [k for p, k in by_head.get(dep[0], ()) if k != target and _overlaps(p, dep)]
            if not fed:  # a plain state path, written by reducers only
                key = ".".join(dep)
                inputs.setdefault(key, IrNode(key, "state"))
                fed = [key]
            for k in fed:
                edges[(k, target)] = None
    for key, node in inputs.items():
        nodes.setdefault(key, node)
    return IrGraph(str(export.get("moduleId", "?")), str(export.get("instanceId", "?")),
                   str(export.get("staticIrDigest", "?")), nodes, tuple(edges), graph is not None)
