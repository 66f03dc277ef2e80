"""A commit's patch count is every write of its window (a state:update's `patchCount`): below full the draft writes
registered top-level keys itself and hands them over in bulk, and those add to the nested writes recorded one by one
and to converge's derived writes; none replaces the count of another. The patches themselves are kept at full
diagnostics only."""

from __future__ import annotations

import pytest

from runtime import Module, Runtime, computed


def profile(*, derived: bool) -> Module:
    fields = [computed("label", deps=["name"], derive=lambda name: name.upper())] if derived else []
    m = Module("profile", initial={"name": "a", "age": 1, "meta": {"seen": 0}, "label": "A"}, fields=fields)

    @m.reducer("edit")
    def edit(draft, _):
        draft["meta"]["seen"] = 1  # nested: recorded as it is written
        draft["name"] = "b"  # top-level: the draft's own writes
        draft["age"] = 2

    return m


def patch_counts(rt: Runtime) -> list[int]:
    return [e["meta"]["patchCount"] for e in rt.hub.events() if e["kind"] == "state" and e["label"] == "state:update"]


@pytest.mark.parametrize("level", ["off", "light"])
def test_a_window_without_derived_fields_counts_its_nested_and_its_top_level_writes(level):
    rt = Runtime(diagnostics=level)
    inst = rt.mount(profile(derived=False))
    record = inst.dispatch("edit", None)
    assert inst.get_state() == {"name": "b", "age": 2, "meta": {"seen": 1}, "label": "A"}
    assert record.patch_count == 3
    assert record.patches == () and record.patches_truncated is False  # counted, not kept, below full
    if level == "light":
        assert patch_counts(rt)[-1] == 3


def test_converges_derived_write_adds_to_the_base_writes_count():
    rt = Runtime(diagnostics="light")
    inst = rt.mount(profile(derived=True))
    record = inst.dispatch("edit", None)
    assert inst.get_state()["label"] == "B"
    assert record.patch_count == 4 and patch_counts(rt)[-1] == 4
    assert record.patches == ()


def test_at_full_every_counted_write_is_a_patch():
    rt = Runtime(diagnostics="full")
    inst = rt.mount(profile(derived=True))
    record = inst.dispatch("edit", None)
    assert record.patch_count == 4
    assert [p.path for p in record.patches] == [("meta", "seen"), ("name",), ("age",), ("label",)]
