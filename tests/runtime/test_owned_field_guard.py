"""The guard on fields an external store owns: only the store's own write may change its field, whoever else writes
it (another field's store write included) is refused with an error naming the write, the field and the owner, and a
replace that carries an equal copy of the value changes nothing and passes."""

from __future__ import annotations

import pytest

from runtime import ExternalOwnedWriteError, Module, Runtime, external_store, value_store

OWNER = "field-external-store"


def sensors():
    a, b = value_store({"temp": 1}), value_store({"temp": 2})
    module = Module("sensors", initial={"a": None, "b": None, "note": ""},
                    fields=[external_store("a", a), external_store("b", b)],
                    reducers={"note": lambda d, text: d.__setitem__("note", text)})
    return Runtime(diagnostics="light").mount(module), a, b


def write_b(draft):
    draft["b"] = {"temp": 99}


@pytest.mark.parametrize("details", [None, {"fields": ["a"]}, {"why": "poll"}], ids=["plain", "listed", "unlisted"])
def test_the_write_of_one_stores_field_may_not_change_another_stores_field(details):
    inst, _, _ = sensors()
    before = inst.get_state()
    with pytest.raises(ExternalOwnedWriteError) as err:
        inst.transact(write_b, origin_kind=OWNER, origin_name="a", details=details)
    assert (err.value.path, err.value.owner) == ("b", OWNER)
    assert inst.get_state() is before


def test_a_store_write_listing_several_fields_may_change_each_of_them():
    inst, _, _ = sensors()

    def both(draft):
        draft["a"] = {"temp": 5}
        draft["b"] = {"temp": 6}

    inst.transact(both, origin_kind=OWNER, origin_name="a", details={"fields": ["a", "b"]})
    assert (inst.get_state()["a"], inst.get_state()["b"]) == ({"temp": 5}, {"temp": 6})


def test_a_replace_carrying_equal_copies_of_the_owned_values_passes():
    inst, _, _ = sensors()
    state = inst.get_state()
    inst.set_state({"a": dict(state["a"]), "b": dict(state["b"]), "note": "copied"})
    assert inst.get_state()["note"] == "copied"


def test_a_refused_write_names_the_transaction_the_writer_the_field_and_what_to_do():
    inst, _, _ = sensors()
    with pytest.raises(ExternalOwnedWriteError) as err:
        inst.set_state({**inst.get_state(), "b": {"temp": 0}}, origin_name="reset")
    assert str(err.value) == (
        "sensors#1::t2: setState reset wrote 'b', which only its field-external-store writer may change; nothing was "
        "applied (keep overrides in another field and merge them in a computed field)")
    assert (err.value.txn_id, err.value.module_id, err.value.instance_id) == ("sensors#1::t2", "sensors", "sensors#1")
    with pytest.raises(ExternalOwnedWriteError) as unnamed:
        inst.set_state({**inst.get_state(), "b": {"temp": 0}})
    assert str(unnamed.value).startswith("sensors#1::t3: setState  wrote 'b'")
