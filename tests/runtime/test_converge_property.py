"""Property: whatever the graph and the writes, dirty and auto converge to exactly the state full converges to."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from runtime import ConvergeConfig, Module, Runtime, computed, link

BASE = ["b0", "b1", "b2", "g.x", "g.y", "items.v"]


def _num(v):
    if isinstance(v, list):
        return sum(_num(x) for x in v)
    if isinstance(v, dict):
        return sum(_num(x) for x in v.values())
    return v or 0


def _maker(offset):
    return lambda *values: sum(_num(v) for v in values) + offset


@st.composite
def graphs(draw):
    n = draw(st.integers(min_value=1, max_value=14))
    nodes = list(BASE)
    decls = []
    for i in range(n):
        target = f"h.d{i}" if draw(st.booleans()) else f"d{i}"
        deps = draw(st.lists(st.sampled_from(nodes), min_size=1, max_size=3, unique=True))
        if draw(st.integers(0, 4)) == 0:
            decls.append(("link", target, deps[:1]))
        else:
            decls.append(("computed", target, deps))
        nodes.append(target)
    # Declared in any order: step ids then differ from the topological order the planner must restore.
    return draw(st.permutations(decls))


writes = st.one_of(
    st.tuples(st.sampled_from(["b0", "b1", "b2"]), st.integers(-5, 5)),
    st.tuples(st.sampled_from(["g.x", "g.y"]), st.integers(-5, 5)),
    st.tuples(st.just("g"), st.fixed_dictionaries({"x": st.integers(-5, 5), "y": st.integers(-5, 5)})),
    st.tuples(st.just("items+"), st.integers(-5, 5)),
    st.tuples(st.just("items.v"), st.integers(-5, 5)),
)


def build(decls, derive_for=_maker) -> Module:
    """The module of graph `decls`, written through its `write` reducer; `derive_for(i)` derives the i-th field."""
    fields = []
    for i, (kind, target, deps) in enumerate(decls):
        fields.append(link(target, deps[0]) if kind == "link"
                      else computed(target, deps=deps, derive=derive_for(i)))
    m = Module("prop", {"b0": 0, "b1": 0, "b2": 0, "g": {"x": 0, "y": 0}, "items": [{"v": 1}], "h": {}},
               fields=fields)

    @m.reducer("write")
    def write(draft, batch):
        for path, value in batch:
            if path == "items+":
                draft["items"].append({"v": value})
            elif path == "items.v":
                draft["items"][0]["v"] = value
            elif "." in path:
                group, key = path.split(".")
                draft[group][key] = value
            else:
                draft[path] = value

    return m


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(decls=graphs(), batches=st.lists(st.lists(writes, min_size=1, max_size=4), min_size=1, max_size=8))
def test_dirty_and_auto_match_full(decls, batches):
    module = build(decls)
    runs = {
        "full": Runtime(converge=ConvergeConfig(mode="full")).mount(module),
        "dirty": Runtime(converge=ConvergeConfig(mode="dirty")).mount(module),
        "auto-off": Runtime(converge=ConvergeConfig(mode="auto")).mount(module),
        "auto-light": Runtime(diagnostics="light", converge=ConvergeConfig(mode="auto")).mount(module),
    }
    for batch in batches:
        for inst in runs.values():
            inst.dispatch("write", batch)
        reference = runs["full"].get_state()
        for name, inst in runs.items():
            assert inst.get_state() == reference, name
