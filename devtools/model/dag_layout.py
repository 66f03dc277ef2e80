"""A layered drawing of a directed graph (Sugiyama style), for the dependency graphs: no Qt, plain numbers.

1. Cycles are broken by reversing the back edges a depth-first search finds (a collapsed graph can have cycles;
   an IR cannot). Reversed edges are drawn in their true direction, they only take part in the layering reversed.
2. Layers by longest path: a node sits one layer right of its furthest predecessor, so every edge points right.
3. An edge spanning several layers gets a virtual node in each layer it crosses (its bends), so that ordering sees it.
4. Order within a layer by barycentres: sweeps left to right (each node at the mean position of its predecessors)
   and back (of its successors), keeping the order with the fewest crossings seen.
5. Coordinates: x by layer, y by position, each layer centred on the tallest one.

`layered_layout(nodes, edges)` -> Layout; `Layout.crossings` counts edge crossings between adjacent layers (the
quantity step 4 lowers; the tests check it).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

__all__ = ["Layout", "layered_layout", "count_crossings"]

N = TypeVar("N", bound=Hashable)
SWEEPS = 12


@dataclass(frozen=True)
class Layout(Generic[N]):
    layer: dict[N, int]
    """The column of every node (0 = sources)."""
    position: dict[N, tuple[float, float]]
    """The centre (x, y) of every node."""
    routes: list[tuple[N, N, list[tuple[float, float]]]]
    """Every edge (from, to) with its points from the source's centre to the target's, bends included."""
    crossings: int
    width: float
    height: float

    def column(self, i: int) -> list[N]:
        """The nodes of layer i, top to bottom."""
        return sorted((n for n, lay in self.layer.items() if lay == i), key=lambda n: self.position[n][1])


@dataclass(eq=False)
class _Virtual:
    """A bend of a long edge in one layer."""

    edge: int


def _acyclic(nodes: Sequence[N], edges: Sequence[tuple[N, N]]) -> list[bool]:
    """Per edge, whether it is a back edge of a depth-first search (in node order): reversed for the layering."""
    succ: dict[N, list[N]] = {n: [] for n in nodes}
    for a, b in edges:
        succ[a].append(b)
    state: dict[N, int] = {}
    back: set[tuple[N, N]] = set()
    for root in nodes:
        if root in state:
            continue
        state[root] = 1
        stack = [(root, iter(succ[root]))]
        while stack:
            node, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                state[node] = 2
                stack.pop()
            elif state.get(nxt) == 1:
                back.add((node, nxt))
            elif nxt not in state:
                state[nxt] = 1
                stack.append((nxt, iter(succ[nxt])))
    return [(a, b) in back for a, b in edges]


def _layers(nodes: Sequence[N], edges: Sequence[tuple[N, N]]) -> dict[N, int]:
    indeg = {n: 0 for n in nodes}
    succ: dict[N, list[N]] = {n: [] for n in nodes}
    for a, b in edges:
        succ[a].append(b)
        indeg[b] += 1
    layer = {n: 0 for n in nodes}
    ready = [n for n in nodes if indeg[n] == 0]
    while ready:
        node = ready.pop()
        for nxt in succ[node]:
            layer[nxt] = max(layer[nxt], layer[node] + 1)
            indeg[nxt] -= 1
            if indeg[nxt] == 0:
                ready.append(nxt)
    return layer


def count_crossings(order: Sequence[Sequence[object]], links: Sequence[tuple[object, object]]) -> int:
    """Crossings of `links` (between nodes of adjacent columns of `order`) drawn as straight segments."""
    pos = {n: (c, i) for c, col in enumerate(order) for i, n in enumerate(col)}
    by_gap: dict[int, list[tuple[int, int]]] = {}
    for a, b in links:
        (ca, ia), (cb, ib) = pos[a], pos[b]
        if cb == ca + 1:
            by_gap.setdefault(ca, []).append((ia, ib))
    total = 0
    for pairs in by_gap.values():
        pairs.sort()
        total += _inversions([b for _, b in pairs])
    return total


def _inversions(values: list[int]) -> int:
    """Pairs i < j with values[i] > values[j] (a Fenwick tree: n log n)."""
    if not values:
        return 0
    size = max(values) + 2
    tree = [0] * (size + 1)
    inv = 0
    for seen, v in enumerate(values):
        i, below = v + 1, 0
        while i > 0:
            below += tree[i]
            i -= i & -i
        inv += seen - below
        i = v + 1
        while i <= size:
            tree[i] += 1
            i += i & -i
    return inv


def _barycentre_order(columns: list[list[object]], links: list[tuple[object, object]]
                      ) -> tuple[list[list[object]], int]:
    """Sweeps right and left, each node at the mean position of its neighbours in the column before; returns the
    order with the fewest crossings seen, and that count."""
    pred: dict[object, list[object]] = {}
    succ: dict[object, list[object]] = {}
    for u, v in links:
        succ.setdefault(u, []).append(v)
        pred.setdefault(v, []).append(u)
    depth = len(columns)
    best = [list(c) for c in columns]
    best_cross = count_crossings(best, links)
    for sweep in range(SWEEPS):
        if best_cross == 0:
            break
        forward = sweep % 2 == 0
        for lay in range(1, depth) if forward else range(depth - 2, -1, -1):
            where = {n: i for i, n in enumerate(columns[lay - 1] if forward else columns[lay + 1])}
            near = pred if forward else succ
            keyed = []
            for i, n in enumerate(columns[lay]):
                around = [where[m] for m in near.get(n, ()) if m in where]
                keyed.append((sum(around) / len(around) if around else float(i), i, n))
            keyed.sort(key=lambda t: (t[0], t[1]))
            columns[lay] = [n for _, _, n in keyed]
        cross = count_crossings(columns, links)
        if cross < best_cross:
            best, best_cross = [list(c) for c in columns], cross
    return best, best_cross


def layered_layout(nodes: Sequence[N], edges: Sequence[tuple[N, N]], *, x_gap: float = 200.0,
                   y_gap: float = 44.0) -> Layout[N]:
    """Lay out `nodes` and `edges` (pairs of nodes; self loops and repeats are ignored) left to right."""
    known = set(nodes)
    for a, b in edges:
        if a not in known or b not in known:
            raise ValueError(f"edge {a!r} -> {b!r} names a node that is not in the graph")
    true_edges = list(dict.fromkeys((a, b) for a, b in edges if a != b))
    flipped = _acyclic(nodes, true_edges)
    ranked = [(b, a) if flip else (a, b) for (a, b), flip in zip(true_edges, flipped, strict=True)]
    layer = _layers(nodes, ranked)
    depth = max(layer.values(), default=-1) + 1
    columns: list[list[object]] = [[] for _ in range(depth)]
    for n in nodes:
        columns[layer[n]].append(n)
    links: list[tuple[object, object]] = []
    chains: list[list[object]] = []
    """Per edge (in `ranked` order), the nodes it passes through, left to right."""
    for k, (a, b) in enumerate(ranked):
        chain: list[object] = [a]
        for lay in range(layer[a] + 1, layer[b]):
            v = _Virtual(k)
            columns[lay].append(v)
            chain.append(v)
        chain.append(b)
        links.extend(zip(chain, chain[1:], strict=False))
        chains.append(chain)
    best, best_cross = _barycentre_order(columns, links)
    tallest = max((len(c) for c in best), default=0)
    xy: dict[object, tuple[float, float]] = {}
    for lay, col in enumerate(best):
        top = (tallest - len(col)) * y_gap / 2.0
        for i, item in enumerate(col):
            xy[item] = (lay * x_gap, top + i * y_gap)
    routes: list[tuple[N, N, list[tuple[float, float]]]] = []
    for (a, b), chain, flip in zip(true_edges, chains, flipped, strict=True):
        points = [xy[n] for n in chain]
        if flip:  # a reversed back edge: drawn in its true direction
            points.reverse()
        routes.append((a, b, points))
    return Layout(layer=dict(layer), position={n: xy[n] for n in nodes}, routes=routes, crossings=best_cross,
                  width=max(0, depth - 1) * x_gap, height=max(0, tallest - 1) * y_gap)
