"""A generation bump says why: the reason is worked out from what changed in the shape (writers, deps, imports);
the same graph (a new derivation, same writers and deps) keeps its generation and its cached plans."""

from __future__ import annotations

from runtime import Module, Runtime, computed, external_store, value_store


def form() -> Module:
    m = Module("form", {"a": 1, "b": 2, "c": 0, "ext": None, "sum": 0},
               fields=[computed("sum", deps=["a", "b"], derive=lambda a, b: a + b)])

    @m.reducer("set")
    def set_(draft, kv):
        draft[kv[0]] = kv[1]

    return m


def generation(inst):
    return inst.dispatch("set", ("c", inst.get_state()["c"] + 1)).converge.generation


def test_each_bump_names_what_changed():
    inst = Runtime(diagnostics="light").mount(form())
    inst.install_fields([computed("twice", deps=["a"], derive=lambda a: a * 2)])
    assert generation(inst) == {"generation": 1, "generationBumpCount": 1, "lastBumpReason": "writers_changed"}
    inst.install_fields([computed("twice", deps=["b"], derive=lambda b: b * 2)])  # same writer, other deps
    assert generation(inst)["lastBumpReason"] == "deps_changed"
    assert inst.get_state()["twice"] == 4
    inst.install_fields([external_store("ext", value_store("x"))])  # fed from outside: an import
    assert generation(inst) == {"generation": 3, "generationBumpCount": 3, "lastBumpReason": "imports_changed"}
    inst.uninstall_fields(["twice"])
    assert generation(inst)["lastBumpReason"] == "writers_changed"


def test_the_same_graph_is_no_bump_and_keeps_its_plans():
    inst = Runtime(diagnostics="light").mount(form())
    inst.install_fields([computed("twice", deps=["a"], derive=lambda a: a * 2),
                         *(computed(f"c{i}", deps=["c"], derive=lambda c: c) for i in range(3))])
    inst.dispatch("set", ("a", 5))
    before = inst.dispatch("set", ("a", 6)).converge
    assert before.reasons == ("cache_hit",)
    inst.install_fields([computed("twice", deps=["a"], derive=lambda a: a * 3)])  # new derivation, same graph
    after = inst.dispatch("set", ("a", 7)).converge
    assert after.generation["generation"] == before.generation["generation"] == 1
    assert after.reasons == ("cache_hit",) and inst.get_state()["twice"] == 21
