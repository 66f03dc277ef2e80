"""The layered layout of the dependency graphs: edges point right, long edges bend through every layer they cross,
barycentre ordering removes the crossings an input order has, cycles (of collapsed graphs) still lay out."""

from __future__ import annotations

import random

import pytest

from devtools.model.dag_layout import count_crossings, layered_layout


def test_layers_are_longest_paths_and_every_edge_points_right():
    layout = layered_layout(["a", "b", "c", "d"], [("a", "b"), ("b", "c"), ("a", "c"), ("d", "c")])
    assert layout.layer == {"a": 0, "b": 1, "c": 2, "d": 0}
    for a, b, points in layout.routes:
        assert layout.layer[a] < layout.layer[b]
        assert points[0] == layout.position[a] and points[-1] == layout.position[b]
        assert [x for x, _ in points] == sorted(x for x, _ in points)


def test_a_long_edge_bends_once_per_layer_it_crosses():
    layout = layered_layout(["a", "b", "c", "d"], [("a", "b"), ("b", "c"), ("c", "d"), ("a", "d")])
    route = next(points for a, b, points in layout.routes if (a, b) == ("a", "d"))
    assert len(route) == 4  # a, a bend in layer 1, a bend in layer 2, d
    assert [x for x, _ in route] == [0.0, 200.0, 400.0, 600.0]


def test_barycentre_ordering_removes_crossings_the_input_order_has():
    nodes = ["a", "b", "y", "x"]
    edges = [("a", "x"), ("b", "y")]
    assert count_crossings([["a", "b"], ["y", "x"]], edges) == 1  # the order the nodes were given in
    layout = layered_layout(nodes, edges)
    assert layout.crossings == 0
    assert layout.column(1) == ["x", "y"]


def test_ordering_lowers_crossings_on_a_larger_graph():
    rng = random.Random(7)
    layers = [[f"n{lay}_{i}" for i in range(8)] for lay in range(5)]
    edges = [(rng.choice(layers[lay]), rng.choice(layers[lay + 1])) for lay in range(4) for _ in range(14)]
    nodes = [n for layer in layers for n in layer]
    before = count_crossings(layers, list(dict.fromkeys(edges)))
    layout = layered_layout(nodes, edges)
    assert layout.crossings < before * 0.7


def test_a_cycle_lays_out_and_its_back_edge_keeps_its_direction():
    layout = layered_layout(["a", "b", "c"], [("a", "b"), ("b", "c"), ("c", "a"), ("a", "a")])
    assert sorted(layout.layer.values()) == [0, 1, 2]
    back = next(points for a, b, points in layout.routes if (a, b) == ("c", "a"))
    assert back[0] == layout.position["c"] and back[-1] == layout.position["a"]
    assert len(layout.routes) == 3  # the self loop is left out


def test_nodes_of_a_layer_never_overlap_and_layers_are_centred():
    layout = layered_layout(["s", "t1", "t2", "t3"], [("s", "t1"), ("s", "t2"), ("s", "t3")], y_gap=40.0)
    ys = sorted(layout.position[n][1] for n in ("t1", "t2", "t3"))
    assert ys == [0.0, 40.0, 80.0]
    assert layout.position["s"][1] == 40.0


def test_an_edge_to_an_unknown_node_is_refused_by_name():
    with pytest.raises(ValueError, match="'a' -> 'zz'"):
        layered_layout(["a"], [("a", "zz")])


def test_an_empty_graph_has_an_empty_layout():
    layout = layered_layout([], [])
    assert layout.position == {} and layout.routes == [] and layout.width == 0
