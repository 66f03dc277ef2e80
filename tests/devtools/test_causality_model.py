"""The causality models on real recorded traces: the dependency graph of a static IR, what one transaction ran
and skipped (at full from the recorded steps, at light inferred from the plan), navigation (focus, collapse,
search), and the transactions that recomputed a field."""

from __future__ import annotations

import pytest
import orjson

from devtools.model.ir_graph import ir_graph_from
from devtools.model.txn_causality import ir_graph_of, transactions_touching, txn_causality
from runtime import Module, Runtime, check, computed, external_store, value_store
from runtime.trace import TraceWriter, load_trace


def chain_module() -> Module:
    m = Module("chain", initial={"a": 1, "b": 2, "items": [{"price": 1}], "sum": 0, "double": 0, "label": "",
                                 "email": "", "errors": {}, "feed": 0},
               fields=[computed("sum", deps=["a", "b"], derive=lambda a, b: a + b),
                       computed("double", deps=["sum"], derive=lambda s: s * 2),
                       computed("label", deps=["double", "items.price"], derive=lambda d, p: f"{d}/{sum(p)}"),
                       check("email", {"required": lambda v: None if v else "required"}),
                       external_store("feed", value_store(0))])

    @m.reducer("setA")
    def set_a(draft, v):
        draft["a"] = v

    @m.reducer("setEmail")
    def set_email(draft, v):
        draft["email"] = v

    return m


def record(path, level: str):
    rt = Runtime(label="app", diagnostics=level)
    writer = TraceWriter(path, label="app").attach(rt.hub, runtime=rt)
    inst = rt.mount(chain_module())
    inst.dispatch("setA", 5)
    inst.dispatch("setEmail", "x@y")
    writer.close()
    rt.dispose()
    return load_trace(str(path))


def update_row(store, txn_id: str) -> int:
    return next(r for r in store.index.state_rows() if store.txn_id_of(r) == txn_id)


@pytest.fixture(scope="module")
def full_store(tmp_path_factory):
    return record(tmp_path_factory.mktemp("full") / "t.jsonl", "full")


def test_the_graph_of_a_static_ir_has_its_fields_kinds_and_edges(full_store):
    digest = next(iter(full_store.static_irs))
    g = ir_graph_of(full_store, digest)
    assert {k: n.kind for k, n in g.nodes.items()} == {
        "sum": "computed", "double": "computed", "label": "computed", "errors.email": "check",
        "feed": "externalStore", "a": "state", "b": "state", "items.price": "state", "email": "state"}
    assert set(g.edges) == {("a", "sum"), ("b", "sum"), ("sum", "double"), ("double", "label"),
                            ("items.price", "label"), ("email", "errors.email")}
    assert g.inputs_of("label") == ["double", "items.price"] and g.outputs_of("sum") == ["double"]
    assert g.downstream(["a"]) == {"sum", "double", "label"}
    assert g.has_edges


def test_without_its_graph_record_the_ir_still_names_the_steps_and_says_it_has_no_edges(full_store):
    export = next(iter(full_store.static_irs.values()))
    g = ir_graph_from(export, None)
    assert set(g.nodes) == {"sum", "double", "label", "errors.email"} and g.edges == () and not g.has_edges


def test_at_full_a_transaction_shows_what_ran_with_durations_and_what_was_skipped(full_store):
    c = txn_causality(full_store, update_row(full_store, "chain#1::t2"))
    assert (c.txn_id, c.origin, c.roots, c.executed_mode, c.evidence) == ("chain#1::t2", "setA", ("a",), "dirty",
                                                                           "full")
    assert {k: r.status for k, r in c.steps.items()} == {"sum": "changed", "double": "changed", "label": "changed",
                                                         "errors.email": "skipped"}
    assert all(c.steps[k].duration_ms is not None for k in ("sum", "double", "label"))
    assert c.steps["errors.email"].duration_ms is None
    assert c.status_of("b") == "clean" and c.status_of("a") == "root"
    other = txn_causality(full_store, update_row(full_store, "chain#1::t3"))
    assert other.roots == ("email",) and other.steps["errors.email"].status == "changed"
    assert other.steps["sum"].status == "skipped"


def test_every_row_of_a_transaction_leads_to_it_and_rows_outside_one_to_nothing(full_store):
    rows = list(full_store.index.rows_of_txn("chain#1", 2))
    assert {txn_causality(full_store, r).txn_id for r in rows} == {"chain#1::t2"}
    init = next(r for r in range(len(full_store)) if full_store.label_of(r) == "module:init")
    assert txn_causality(full_store, init) is None


def test_at_light_the_steps_that_ran_are_inferred_from_the_plan(tmp_path):
    store = record(tmp_path / "light.jsonl", "light")
    c = txn_causality(store, update_row(store, "chain#1::t2"))
    assert c.evidence == "inferred"
    assert {k: r.status for k, r in c.steps.items()} == {"sum": "changed", "double": "changed", "label": "changed",
                                                         "errors.email": "skipped"}
    assert all(r.duration_ms is None for r in c.steps.values())


def test_a_step_that_ran_to_the_same_value_is_unchanged(tmp_path):
    rt = Runtime(label="app", diagnostics="full")
    path = tmp_path / "same.jsonl"
    writer = TraceWriter(path, label="app").attach(rt.hub, runtime=rt)
    m = Module("m", initial={"a": 1, "parity": 0, "shown": ""},
               fields=[computed("parity", deps=["a"], derive=lambda a: a % 2),
                       computed("shown", deps=["parity"], derive=lambda p: "odd" if p else "even")])

    @m.reducer("set")
    def set_a(draft, v):
        draft["a"] = v

    inst = rt.mount(m)
    inst.dispatch("set", 3)  # parity stays 1: it ran and wrote nothing
    writer.close()
    rt.dispose()
    store = load_trace(str(path))
    c = txn_causality(store, update_row(store, "m#1::t2"))
    assert c.steps["parity"].status == "unchanged" and c.steps["parity"].duration_ms is not None
    assert c.count("changed") == 0


def test_focus_collapse_and_search_navigate_the_graph(full_store):
    g = ir_graph_of(full_store, next(iter(full_store.static_irs)))
    assert set(g.around("sum", 1).nodes) == {"a", "b", "sum", "double"}
    assert set(g.around("sum", 2).nodes) == {"a", "b", "sum", "double", "label"}
    folded = g.collapsed(["errors", "items"])
    assert "errors.*" in folded.nodes and "items.*" in folded.nodes and "errors.email" not in folded.nodes
    assert folded.nodes["errors.*"].members == 1 and ("email", "errors.*") in folded.edges
    assert ("items.*", "label") in folded.edges
    assert g.search("SUM") == ["sum"] and g.search("e")[0] == "double" and g.search("  ") == []
    with pytest.raises(KeyError, match="no field 'nope'"):
        g.around("nope", 1)


def test_the_transactions_that_recomputed_a_field_come_from_the_path_index(full_store):
    rows = transactions_touching(full_store, "chain#1", "label")
    assert [full_store.txn_id_of(r) for r in rows] == ["chain#1::t1", "chain#1::t2"]  # mount, setA
    assert [full_store.txn_id_of(r) for r in transactions_touching(full_store, "chain#1", "errors.*")] == \
        ["chain#1::t1", "chain#1::t3"]


def test_the_trace_carries_each_ir_graph_once_and_every_executed_step(tmp_path, full_store, check_trace):
    path = tmp_path / "again.jsonl"
    rt = Runtime(label="app", diagnostics="full")
    writer = TraceWriter(path, label="app").attach(rt.hub, runtime=rt)
    inst = rt.mount(chain_module())
    inst.dispatch("setA", 9)
    writer.close()
    rt.dispose()
    lines = [orjson.loads(line) for line in path.read_bytes().splitlines()[1:]]
    types = [e["type"] for e in lines]
    assert types.count("static-ir:graph") == 1 and types.index("static-ir:graph") == types.index("static-ir") + 1
    update = next(e["payload"]["meta"] for e in lines if e["type"] == "debug:event"
                  and e["payload"]["label"] == "state:update" and e["payload"]["txnSeq"] == 2)
    assert [s["stepId"] for s in update["convergeSteps"]] == [0, 1, 2] and update["convergeStepsTruncated"] is False
    code, report = check_trace(path)
    assert code == 0, report


def test_an_external_store_write_is_the_root_of_what_it_feeds(tmp_path):
    feed = value_store(0)
    m = Module("gauge", initial={"feed": 0, "twice": 0},
               fields=[external_store("feed", feed), computed("twice", deps=["feed"], derive=lambda f: f * 2)])
    rt = Runtime(label="app", diagnostics="full")
    path = tmp_path / "ext.jsonl"
    writer = TraceWriter(path, label="app").attach(rt.hub, runtime=rt)
    rt.mount(m)
    feed.set(4)
    writer.close()
    rt.dispose()
    store = load_trace(str(path))
    c = txn_causality(store, store.index.state_rows()[-1])
    assert c.graph.nodes["feed"].kind == "externalStore" and ("feed", "twice") in c.graph.edges
    assert c.roots == ("feed",) and c.steps["twice"].status == "changed"
