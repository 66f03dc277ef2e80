"""Id-first dirty sets: path normalisation, the id table, prefix-free roots, FNV-1a, dirty-all reasons."""

from __future__ import annotations

import pytest

from runtime import Module, Runtime
from runtime.base.dirty import INDEXED, DirtyTracker, PathClassifier, infer_replace
from runtime.base.paths import DirtySet, FieldPathRegistry, fnv1a32_ids, normalize_path


def test_fnv1a_matches_the_published_vectors():
    # For words below 256, hashing ids word by word equals FNV-1a over the same bytes.
    assert fnv1a32_ids([]) == 0x811C9DC5
    assert fnv1a32_ids([ord("a")]) == 0xE40C292C
    assert fnv1a32_ids([ord(c) for c in "foobar"]) == 0xBF9CF968


def test_a_typed_query_path_reads_indices_leniently():
    # normalize_path is how a person's query is read without the state (trace indexes); the runtime's own writes
    # tell keys from indices by the state (test_dirty_keys.py).
    assert normalize_path(("items", 3, "name")) == ("items", "name")
    assert normalize_path(("items", "3", "name")) == ("items", "name")


def test_table_is_sorted_with_prefixes_first_and_roots_are_prefix_free():
    reg = FieldPathRegistry.build([("b", "x"), ("a",), ("b", "y", "z")])
    assert reg.paths == (("a",), ("b",), ("b", "x"), ("b", "y"), ("b", "y", "z"))
    ids = {reg.id_of[("b", "x")], reg.id_of[("b",)], reg.id_of[("a",)], reg.id_of[("b", "y", "z")]}
    assert reg.roots(ids) == [reg.id_of[("a",)], reg.id_of[("b",)]]
    ds = DirtySet.from_roots(reg.roots({4, 2}))
    assert ds.root_ids == (2, 4) and ds.key_hash == fnv1a32_ids([2, 4])
    assert ds.to_json() == {"dirtyAll": False, "rootIds": [2, 4], "rootCount": 2, "keySize": 2,
                            "keyHash": fnv1a32_ids([2, 4])}
    assert DirtySet.from_roots(()).key_hash == 0  # no root, no hash (not FNV's offset basis)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, "customMutation"),
        (("user", ("not", "a", "name")), "nonTrackablePatch"),
        (("user", None), "nonTrackablePatch"),
        (("user", "a.b"), "fallbackPolicy"),  # a key with a dot is one key, and this one is unknown
        (("user", ""), "nonTrackablePatch"),
        (("user", "*"), "unknownWrite"),
        (("nowhere",), "fallbackPolicy"),
        (("user", "name"), ("user", "name")),
        (("items", 7, "price"), ("items", "price")),
        (("user", 7), "nonTrackablePatch"),  # an integer into a dict is no key and no index
    ],
)
def test_dirty_all_reasons_follow_the_rules(raw, expected):
    reg = FieldPathRegistry.build([("user", "name"), ("items", "price")])
    classifier = PathClassifier(reg)
    got = classifier.classify(raw)
    if got is INDEXED:  # only the state can tell whether an integer indexes a list
        got = classifier.record_indexed(DirtyTracker(), raw, {"user": {"name": "x"}, "items": [{"price": 1}] * 8})
    assert got == (reg.id_of[expected] if isinstance(expected, tuple) else expected)


def test_replace_inference_is_one_level_deep_with_list_indices():
    items = [{"p": i} for i in range(5)]
    before = {"a": 1, "items": items, "same": {"x": 1}}
    after = {"a": 2, "items": [items[0], {"p": 9}, *items[2:]], "same": before["same"]}
    assert sorted(infer_replace(before, after), key=str) == [("a",), ("items", 1)]
    many = {"items": [{"p": i} for i in range(100)]}
    assert infer_replace({"items": [{"p": i} for i in range(100)]}, many) == [("items",)]  # > 64 indices
    assert infer_replace({"a": 1}, {"a": 1}) == []
    assert infer_replace({"a": 1}, "nope") is None


def test_a_write_outside_the_table_dirties_everything_with_fallback_policy():
    m = Module("free", {"known": 1, "bag": {}})

    @m.reducer("put")
    def put(draft, key):
        draft["bag"][key] = 1

    rt = Runtime(diagnostics="light")
    record = rt.mount(m).dispatch("put", "surprise")
    assert record.dirty.dirty_all and record.dirty.reason == "fallbackPolicy" and record.dirty.key_hash == 0
    assert any(e["label"] == "state_transaction::dirty_all_fallback" for e in rt.hub.events())


def test_numeric_dict_keys_are_keys():
    m = Module("byid", {"todos": {"17": {"done": False}}, "rows": [{"done": False}]})

    @m.reducer("done")
    def done(draft, key):
        draft["todos"][key]["done"] = True
        draft["rows"][0]["done"] = True

    inst = Runtime().mount(m)
    record = inst.dispatch("done", "17")
    assert sorted(inst.shape.registry.paths[i] for i in record.dirty.root_ids) == [
        ("rows", "done"), ("todos", "17", "done")]  # an index only where the value is a list
