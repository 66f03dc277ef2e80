"""Keys are keys: a key holding `[`, `]`, `.` or digits is one segment, credited to itself and declarable as a
dependency; a segment is a list index only where the value it indexes is a list."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from runtime import Module, Runtime, computed

keys = st.text(alphabet="ab[]0.1x", min_size=1, max_size=6).filter(lambda k: k != "*")


@settings(max_examples=80, deadline=None)
@given(key=keys, other=keys)
def test_a_write_under_any_key_is_credited_to_that_key(key, other):
    if key == other:
        other = other + "z"
    m = Module("bag", {"bag": {key: 0, other: 0}, "watch": 0, "count": 0},
               fields=[computed("watch", deps=[("bag", key)], derive=lambda v: v * 10),
                       computed("count", deps=[("bag", other)], derive=lambda v: v)])

    @m.reducer("put")
    def put(draft, kv):
        draft["bag"][kv[0]] = kv[1]

    inst = Runtime(diagnostics="light").mount(m)
    record = inst.dispatch("put", (key, 7))
    paths = [inst.shape.registry.paths[i] for i in record.base_dirty.root_ids]
    assert paths == [("bag", key)]  # not ("bag",), not another key's path
    assert inst.get_state()["watch"] == 70
    assert record.converge.executed_steps in (1, 2)
    assert inst.get_state()["count"] == 0


def test_list_indices_are_recognised_only_where_the_value_is_a_list():
    m = Module("mixed", {"by_year": {"2024": {"n": 0}}, "rows": [{"n": 0}, {"n": 0}],
                         "total": 0, "year": 0},
               fields=[computed("total", deps=["rows.n"], derive=sum),
                       computed("year", deps=["by_year.2024.n"], derive=lambda n: n)])

    @m.reducer("write")
    def write(draft, _):
        draft["by_year"]["2024"]["n"] = 5
        draft["rows"][1]["n"] = 3

    inst = Runtime().mount(m)
    record = inst.dispatch("write")
    reg = inst.shape.registry
    assert sorted(reg.paths[i] for i in record.dirty.root_ids) == [
        ("by_year", "2024", "n"), ("rows", "n"), ("total",), ("year",)]
    assert inst.get_state()["total"] == 3 and inst.get_state()["year"] == 5
    (touch,) = record.dirty_plan.lists
    assert (reg.paths[touch.list_path_id], touch.rows) == (("rows",), (1,))
