"""Which rows a list check revalidates when the evidence comes from somewhere else than a draft write of a row: a
returned state replacing one row or naming the list, explicit evidence added to draft writes, and row inserts,
removals and edits at full diagnostics (where every write also records a patch)."""

from __future__ import annotations

import pytest

from runtime import Module, Runtime, check_list


def todos(calls: list[int]) -> Module:
    def named(row):
        calls.append(row["id"])
        return None if row["title"] else "a title is required"

    m = Module("todos", {"items": [{"id": i, "title": f"t{i}"} for i in range(10)], "errors": {}, "note": ""},
               fields=[check_list("items", {"named": named})])
    m.reducer("swap_row")(lambda d, i: {**d, "items": [*d["items"][:i], {"id": 50, "title": ""}, *d["items"][i + 1:]]})
    m.reducer("retitle")(lambda d, p: d["items"][p[0]].__setitem__("title", p[1]))
    m.reducer("insert")(lambda d, i: d["items"].insert(i, {"id": 100, "title": ""}))
    m.reducer("remove")(lambda d, i: d["items"].pop(i))
    return m


def mounted(diagnostics: str = "off") -> tuple[object, list[int]]:
    calls: list[int] = []
    inst = Runtime(diagnostics=diagnostics).mount(todos(calls))
    calls.clear()
    return inst, calls


def errors(inst) -> list[str | None]:
    return inst.get_state()["errors"]["items"]


def test_a_returned_state_replacing_one_row_revalidates_that_row_only():
    inst, calls = mounted()
    record = inst.dispatch("swap_row", 4)
    assert calls == [50]
    assert not record.dirty.dirty_all and [inst.shape.registry.text(i) for i in record.base_dirty.root_ids] == ["items"]
    assert errors(inst)[4] == "a title is required" and errors(inst)[3] is None


def test_a_set_state_naming_the_list_revalidates_every_row():
    inst, calls = mounted()
    state = inst.get_state()
    inst.set_state({**state, "items": [{**row, "title": ""} for row in state["items"]]}, dirty=["items"])
    assert sorted(calls) == list(range(10))
    assert errors(inst) == ["a title is required"] * 10


def test_explicit_evidence_of_a_row_added_to_draft_writes_revalidates_that_row():
    inst, calls = mounted()

    def body(draft):
        draft["note"] = "bulk edit"
        draft["items"][7]["title"] = ""

    # the evidence is read against the state: there "7" is a row index, not a key
    inst.transact(body, origin_kind="action", origin_name="bulk", dirty=["items.7.title"])
    assert calls == [7] and errors(inst)[7] == "a title is required"


@pytest.mark.parametrize("diagnostics", ["off", "full"])
def test_row_edits_inserts_and_removals_revalidate_the_same_rows_at_every_diagnostics_level(diagnostics):
    inst, calls = mounted(diagnostics)
    inst.dispatch("retitle", (6, ""))
    assert calls == [6]
    calls.clear()
    inst.dispatch("insert", 3)
    assert len(calls) == 11 and errors(inst)[3] == "a title is required" and errors(inst)[7] == "a title is required"
    calls.clear()
    inst.dispatch("remove", 0)
    assert len(calls) == 10
    assert errors(inst)[2] == "a title is required" and errors(inst)[6] == "a title is required"


def test_a_nested_list_revalidates_the_written_row_and_every_row_when_its_parent_is_replaced():
    calls: list[int] = []

    def named(row):
        calls.append(row["id"])
        return None if row["title"] else "a title is required"

    m = Module("board", {"board": {"items": [{"id": i, "title": "t"} for i in range(5)]}, "errors": {}},
               fields=[check_list("board.items", {"named": named})])
    m.reducer("retitle")(lambda d, i: d["board"]["items"][i].__setitem__("title", ""))
    m.reducer("reload")(lambda d, rows: d.__setitem__("board", {"items": rows}))
    inst = Runtime().mount(m)
    calls.clear()
    inst.dispatch("retitle", 2)
    assert calls == [2]
    calls.clear()
    inst.dispatch("reload", [{"id": i, "title": "" if i == 4 else "t"} for i in range(5)])
    assert sorted(calls) == list(range(5))
    assert inst.get_state()["errors"]["board"]["items"] == [None, None, None, None, "a title is required"]
