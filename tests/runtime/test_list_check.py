"""List checks revalidate only the rows a transaction changed, from its own evidence (the written indices); the
list replaced, rows inserted or removed, or a dirty-all write revalidate every row; a rule can ask for the indices."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from runtime import Module, Runtime, RowsRule, check_list


def todo_list(calls: list[int], asked: list[tuple[int, ...]]) -> Module:
    def named(row):
        calls.append(row["id"])
        return None if row["title"] else "a title is required"

    def short(rows, indices):  # asks for the rows to revalidate, answers for them in one go
        asked.append(indices)
        return {i: "too long" for i in indices if len(rows[i]["title"]) > 3}

    m = Module("todos", {"items": [{"id": i, "title": f"t{i}"} for i in range(20)], "errors": {}, "note": ""},
               fields=[check_list("items", {"named": named, "short": RowsRule(short)})])

    @m.reducer("retitle")
    def retitle(draft, payload):
        for i, title in payload:
            draft["items"][i]["title"] = title

    @m.reducer("insert")
    def insert(draft, i):
        draft["items"].insert(i, {"id": 100 + i, "title": ""})

    @m.reducer("remove")
    def remove(draft, i):
        del draft["items"][i]

    @m.reducer("note")
    def note(draft, text):
        draft["note"] = text

    return m


def test_only_the_written_rows_are_revalidated():
    calls: list[int] = []
    asked: list[tuple[int, ...]] = []
    inst = Runtime().mount(todo_list(calls, asked))
    assert len(calls) == 20 and asked == [tuple(range(20))]  # the cold start validates every row
    calls.clear()
    asked.clear()
    inst.dispatch("retitle", [(7, ""), (3, "long title")])
    assert sorted(calls) == [3, 7] and asked == [(3,)]  # row 7 failed the first rule, row 3 reached the second
    errors = inst.get_state()["errors"]["items"]
    assert errors[7] == "a title is required" and errors[3] == "too long" and errors[4] is None
    calls.clear()
    inst.dispatch("note", "unrelated")
    assert calls == []  # not a dependency: the check does not run


def test_inserting_a_row_revalidates_every_row():
    calls: list[int] = []
    inst = Runtime().mount(todo_list(calls, []))
    calls.clear()
    inst.dispatch("insert", 5)
    assert len(calls) == 21
    errors = inst.get_state()["errors"]["items"]
    assert len(errors) == 21 and errors[5] == "a title is required"


@settings(max_examples=60, deadline=None)
@given(edits=st.lists(st.lists(st.tuples(st.integers(0, 19), st.sampled_from(["", "x", "long", "t1", "t2"])),
                               min_size=1, max_size=4), min_size=1, max_size=6))
def test_revalidating_changed_rows_gives_what_validating_everything_gives(edits):
    calls: list[int] = []
    inst = Runtime().mount(todo_list(calls, []))
    for batch in edits:
        before = [r["title"] for r in inst.get_state()["items"]]
        calls.clear()
        inst.dispatch("retitle", batch)
        changed = {i for i, title in batch if before[i] != title}
        assert set(calls) <= changed  # never a row that was not written
        expected = ["a title is required" if not r["title"] else ("too long" if len(r["title"]) > 3 else None)
                    for r in inst.get_state()["items"]]
        assert inst.get_state()["errors"]["items"] == expected


def test_removing_a_row_revalidates_the_rows_that_moved_up():
    calls: list[int] = []
    inst = Runtime().mount(todo_list(calls, []))
    inst.dispatch("retitle", [(5, "")])
    assert inst.get_state()["errors"]["items"][5] == "a title is required"
    calls.clear()
    inst.dispatch("remove", 2)
    errors = inst.get_state()["errors"]["items"]
    assert len(errors) == 19 and errors[4] == "a title is required" and errors[5] is None  # row 5 is row 4 now
    assert sorted(calls) == [i for i in range(20) if i != 2]
