"""The converge static IR: built once per module shape and generation, then used on integer ids only.

It holds the FieldPathId table, one step per converging field (exactly one output path each), the topological order,
and two adjacency tables as flat tuples: the steps a dirty path triggers, and the steps downstream of each step.
A path triggers a step when it overlaps one of the step's dependencies (equal, a prefix, or an extension of it).

Declaration errors are found here and refused as FieldConfigError: a cycle (CYCLE_DETECTED) or two writers of
overlapping fields (MULTIPLE_WRITERS).
"""

from __future__ import annotations

import heapq
import time
from array import array
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from runtime.base.field_decl import FieldDecl
from runtime.base.paths import FieldPath, FieldPathRegistry, fnv1a32_text, path_text, stable_stringify
from runtime.base.state_access import compile_reader, same_value
from runtime.errors import FieldConfigError

__all__ = ["Adjacency", "Step", "StaticIr", "build_static_ir"]


@dataclass(frozen=True, slots=True)
class Step:
    """One converge step: computes one field from its dependencies."""

    step_id: int
    kind: str
    name: str
    out_path: FieldPath
    out_id: int
    dep_ids: tuple[int, ...]
    compute: Callable[[Any], Any]
    """root -> new value of the output field."""
    read_out: Callable[[Any], Any]
    """root -> current value of the output field."""
    equals: Callable[[Any, Any], bool]
    compute_rows: Callable[[Any, Any, tuple[int, ...] | None], Any] | None = None
    """For a step over the rows of a list (a list check): (root, current output, rows the transaction changed or
    None for all) -> new output; it is run instead of `compute`."""
    list_id: int = -1
    """The FieldPathId of that list."""
    report: Callable[[], tuple[tuple[tuple[str, str], ...], tuple[int, int] | None]] | None = None
    """For a check: the rules its last run ran with their outcomes, and (rows revalidated, rows invalid) for a list
    check."""
    derive: Callable[..., Any] | None = None
    """The derivation `compute` wraps, called with the values of `dep_paths` (assembled kernels call it directly)."""
    dep_paths: tuple[FieldPath, ...] = ()


@dataclass(frozen=True, slots=True)
class Adjacency:
    """A CSR adjacency table: the targets of node i are `targets[offsets[i]:offsets[i + 1]]`."""

    offsets: array[int]
    targets: array[int]

    @classmethod
    def build(cls, rows: Sequence[Sequence[int]]) -> Adjacency:
        offsets = array("i", [0])
        targets = array("i")
        for row in rows:
            targets.extend(row)
            offsets.append(len(targets))
        return cls(offsets, targets)

    def row(self, i: int) -> array[int]:
        return self.targets[self.offsets[i] : self.offsets[i + 1]]


@dataclass(frozen=True, slots=True)
class StaticIr:
    """Everything converge needs about one module shape, in integer form."""

    module_id: str
    registry: FieldPathRegistry
    steps: tuple[Step, ...]
    topo_order: array[int]
    topo_pos: array[int]
    """topo_pos[step_id] = position of the step in topo_order."""
    triggers: Adjacency
    """Row path_id: the steps whose dependencies overlap that path."""
    downstream: Adjacency
    """Row step_id: the steps its output triggers."""
    digest: str
    build_duration_ms: float
    topo_is_identity: bool = False
    """True when step ids already are in topological order (declarations written in dependency order)."""
    writers: tuple[tuple[str, FieldPath], ...] = ()
    """(kind, target) of every converge step, in step order: who writes what."""
    deps: tuple[tuple[FieldPath, ...], ...] = ()
    """The dependencies of every step, as paths, in step order."""
    imports: tuple[tuple[str, FieldPath], ...] = ()
    """(kind, target) of the fields fed from outside the module (external stores, sources): no steps, but part of
    the shape."""

    def export(self, instance_id: str, generation: int) -> dict[str, Any]:
        """The IR as exported to devtools and traces (`static-ir` envelopes; resources/schemas)."""
        return {
            "staticIrDigest": self.digest,
            "moduleId": self.module_id,
            "instanceId": instance_id,
            "generation": generation,
            "fieldPaths": [list(p) for p in self.registry.paths],
            "stepOutFieldPathIdByStepId": [s.out_id for s in self.steps],
            "stepSchedulingByStepId": ["immediate"] * len(self.steps),
            "topoOrder": list(self.topo_order),
            "buildDurationMs": round(self.build_duration_ms, 4),
        }

    def graph_export(self, instance_id: str) -> dict[str, Any]:
        """The dependency edges the export above leaves out (its reference schema admits no further keys): what
        each step reads and what feeds the module from outside, as the `static-ir:graph` record beside it. Ids
        refer to the `fieldPaths` of the static IR of the same digest."""
        return {
            "staticIrDigest": self.digest,
            "moduleId": self.module_id,
            "instanceId": instance_id,
            "stepKindByStepId": [s.kind for s in self.steps],
            "stepNameByStepId": [s.name for s in self.steps],
            "stepDepFieldPathIdsByStepId": [list(s.dep_ids) for s in self.steps],
            "imports": [{"kind": kind, "path": list(target)} for kind, target in self.imports],
        }


def _overlaps(a: FieldPath, b: FieldPath) -> bool:
    n = min(len(a), len(b))
    return a[:n] == b[:n]


def _check_writers(module_id: str, decls: Sequence[FieldDecl]) -> None:
    for i, a in enumerate(decls):
        for b in decls[i + 1 :]:
            if _overlaps(a.target, b.target):
                raise FieldConfigError(
                    "MULTIPLE_WRITERS",
                    module_id,
                    [path_text(a.target), path_text(b.target)],
                    f"{a.name} and {b.name} both write {path_text(min(a.target, b.target, key=len))}",
                )


def _compile_step(step_id: int, decl: FieldDecl, registry: FieldPathRegistry) -> Step:
    readers = [compile_reader(d) for d in decl.deps]
    derive = decl.derive
    assert derive is not None
    if len(readers) == 1:
        (r0,) = readers

        def compute(root: Any) -> Any:
            return derive(r0(root))

    else:

        def compute(root: Any) -> Any:
            return derive(*[r(root) for r in readers])

    rows = decl.options.get("rows")
    return Step(
        step_id=step_id,
        kind=decl.kind,
        name=decl.name,
        out_path=decl.target,
        out_id=registry.id_of[decl.target],
        dep_ids=tuple(registry.id_of[d] for d in decl.deps),
        compute=compute,
        read_out=compile_reader(decl.target),
        equals=decl.equals or same_value,
        compute_rows=None if rows is None else _rows_runner(rows, readers[0]),
        list_id=registry.id_of[decl.deps[0]] if rows is not None else -1,
        report=decl.options.get("report"),
        derive=derive,
        dep_paths=tuple(decl.deps),
    )


def _rows_runner(rows: Callable[[list[Any], Any, tuple[int, ...] | None], Any],
                 read_list: Callable[[Any], Any]) -> Callable[[Any, Any, tuple[int, ...] | None], Any]:
    def compute_rows(root: Any, current: Any, changed: tuple[int, ...] | None) -> Any:
        value = read_list(root)
        return rows(value if isinstance(value, list) else [], current, changed)

    return compute_rows


def _trigger_table(registry: FieldPathRegistry, steps: Sequence[Step]) -> tuple[tuple[int, ...], ...]:
    by_dep: dict[int, set[int]] = {}
    for s in steps:
        for d in s.dep_ids:
            by_dep.setdefault(d, set()).add(s.step_id)
    # A dirty path triggers the steps reading it, reading one of its prefixes, or reading one of its extensions.
    below: list[set[int]] = [set(by_dep.get(i, ())) for i in range(len(registry.paths))]
    for pid in range(len(registry.paths) - 1, -1, -1):
        if below[pid]:
            for pre in registry.prefix_ids[pid]:
                below[pre] |= below[pid]
    table = []
    for pid in range(len(registry.paths)):
        hit = set(below[pid])
        for pre in registry.prefix_ids[pid]:
            hit |= by_dep.get(pre, set())
        table.append(tuple(sorted(hit)))
    return tuple(table)


def _topo_order(module_id: str, steps: Sequence[Step], downstream: Sequence[tuple[int, ...]]) -> tuple[int, ...]:
    indegree = [0] * len(steps)
    for outs in downstream:
        for t in outs:
            indegree[t] += 1
    ready = [s.step_id for s in steps if indegree[s.step_id] == 0]
    heapq.heapify(ready)  # declaration order among independent steps keeps the order (and the digest) stable
    order: list[int] = []
    while ready:
        s = heapq.heappop(ready)
        order.append(s)
        for t in downstream[s]:
            indegree[t] -= 1
            if indegree[t] == 0:
                heapq.heappush(ready, t)
    if len(order) != len(steps):
        left = {s.step_id for s in steps} - set(order)
        cycle = _find_cycle(left, downstream)
        names = [path_text(steps[i].out_path) for i in cycle]
        raise FieldConfigError("CYCLE_DETECTED", module_id, names, " -> ".join(names + names[:1]))
    return tuple(order)


def _find_cycle(nodes: set[int], downstream: Sequence[tuple[int, ...]]) -> list[int]:
    start = min(nodes)
    seen: dict[int, int] = {}
    path: list[int] = []
    node = start
    while node not in seen:
        seen[node] = len(path)
        path.append(node)
        node = next(t for t in downstream[node] if t in nodes)
    return path[seen[node] :]


def build_static_ir(module_id: str, registry: FieldPathRegistry, decls: Sequence[FieldDecl]) -> StaticIr:
    """Validate the declarations and build the IR; raises FieldConfigError naming the fields at fault."""
    t0 = time.perf_counter()
    _check_writers(module_id, decls)
    converging = [d for d in decls if d.converges]
    steps = tuple(_compile_step(i, d, registry) for i, d in enumerate(converging))
    triggers = _trigger_table(registry, steps)
    downstream = tuple(triggers[s.out_id] for s in steps)
    order = _topo_order(module_id, steps, downstream)
    pos = array("i", bytes(4 * len(steps)))
    for i, s in enumerate(order):
        pos[s] = i
    writers_key = [[d.kind, list(d.target)] for d in decls]
    deps_key = [[list(p) for p in d.deps] for d in converging]
    digest_src = stable_stringify({"writersKey": writers_key, "depsKey": deps_key, "fieldPathsKey": registry.key})
    digest = f"converge_ir_v2:{fnv1a32_text(digest_src):08x}"
    return StaticIr(
        module_id=module_id,
        registry=registry,
        steps=steps,
        topo_order=array("i", order),
        topo_pos=pos,
        triggers=Adjacency.build(triggers),
        downstream=Adjacency.build(downstream),
        digest=digest,
        build_duration_ms=(time.perf_counter() - t0) * 1000.0,
        topo_is_identity=list(order) == list(range(len(order))),
        writers=tuple((d.kind, d.target) for d in converging),
        deps=tuple(d.deps for d in converging),
        imports=tuple((d.kind, d.target) for d in decls if not d.converges),
    )
