"""The inspector shows errors with their downgrade marks, and sets / tuples as what they are."""

from __future__ import annotations

from devtools_support import click_row, open_live, table_rows

from runtime import Module, computed


def fragile_module() -> Module:
    def ratio(n):
        return 10 / n  # raises ZeroDivisionError for n == 0: the converge step fails

    m = Module("fragile", initial={"n": 1, "ratio": 0, "seen": set(), "pair": (1, 2)},
               fields=[computed("ratio", deps=["n"], derive=ratio)])

    @m.reducer("set_n")
    def set_n(draft, n):
        draft["n"] = n

    @m.reducer("see")
    def see(draft, value):
        draft["seen"] = {*draft["seen"], value}

    return m


def test_errors_and_downgrades_are_marked(qtbot, aio, shop_runtime):
    rt = shop_runtime
    host, window, _shop = open_live(qtbot, rt)
    inst = rt.mount(fragile_module())
    inst.dispatch("see", "b")
    inst.dispatch("set_n", 0)
    qtbot.waitUntil(lambda: any(c[2] == "diagnostic" and c[4] == "fragile#1" for c in table_rows(window)))

    click_row(qtbot, window, lambda c: c[2] == "diagnostic" and c[4] == "fragile#1")
    text = window.inspector.summary_text()
    assert "Errors" in text and "ZeroDivisionError" in text

    click_row(qtbot, window, lambda c: c[2] == "state" and c[4] == "fragile#1" and c[5] == "t2")
    text = window.inspector.summary_text()
    lines = text.splitlines()  # the set in the state cannot be plain JSON: said of the payload, not as a degrade
    assert lines[lines.index("Recorded payload") + 1].startswith("state:update: values JSON cannot hold")
    assert "Degraded" not in text
    tree = window.inspector.tree_model
    rows = {tree.index(r, 0).data(): tree.index(r, 1).data() for r in range(tree.rowCount())}
    assert rows["seen"] == "set {'b'}"
    assert rows["pair"] == "tuple (1, 2)"
