"""Modules shared by the converge tests."""

from __future__ import annotations

from runtime import Module, computed


def pairs(steps: int) -> Module:
    initial = {}
    for i in range(steps):
        initial[f"b{i}"] = 0
    m = Module(f"pairs{steps}", initial, fields=[computed(f"d{i}", deps=[f"b{i}"], derive=lambda b: b + 1)
                                                 for i in range(steps)])

    @m.reducer("bump")
    def bump(draft, which):
        for i in which:
            draft[f"b{i}"] += 1

    return m


def counted_pairs(steps: int, calls: dict[int, int]) -> Module:
    """pairs(steps) whose derivations count their calls, so which steps ran is seen without any evidence."""

    def derive(i):
        def plus_one(b):
            calls[i] = calls.get(i, 0) + 1
            return b + 1
        return plus_one

    m = Module(f"counted{steps}", {f"b{i}": 0 for i in range(steps)},
               fields=[computed(f"d{i}", deps=[f"b{i}"], derive=derive(i)) for i in range(steps)])

    @m.reducer("bump")
    def bump(draft, which):
        for i in which:
            draft[f"b{i}"] += 1

    return m
