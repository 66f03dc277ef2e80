"""A user launches the devtools on a live runtime, sees ticks arrive, selects transactions and filters them."""

from __future__ import annotations

from devtools_support import click_row, open_live, table_rows
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication


def test_launch_shows_live_events_arriving(qtbot, aio, shop_runtime):
    host, window, inst = open_live(qtbot, shop_runtime)
    assert window.mode_label.text() == "LIVE"
    inst.dispatch("add", 5)
    qtbot.waitUntil(lambda: any(cells[3] == "add" for cells in table_rows(window)))
    aio.call_soon(inst.dispatch, "rename", "Grace")  # a commit made by the app on the loop, later
    qtbot.waitUntil(lambda: any(cells[3] == "rename" for cells in table_rows(window)))
    assert [c[3] for c in table_rows(window)].index("add") < [c[3] for c in table_rows(window)].index("rename")
    assert "events" in window.detail_label.text() and "diagnostics full" in window.detail_label.text()
    sidebar = window.sidebar.model
    assert sidebar.index_of("instance", "app", "shop", "shop#1") is not None
    count_cell = sidebar.index_of("instance", "app", "shop", "shop#1").siblingAtColumn(1)
    qtbot.waitUntil(lambda: count_cell.data() == str(sum(c[4] == "shop#1" for c in table_rows(window))))
    assert int(count_cell.data()) >= 9  # the mount, the add and the rename: action, converge and state each


def test_selecting_a_transaction_shows_its_dirty_paths_patches_and_state_diff(qtbot, aio, shop_runtime):
    host, window, inst = open_live(qtbot, shop_runtime)
    inst.dispatch("rename", "Grace")
    inst.dispatch("add", 7)
    qtbot.waitUntil(lambda: sum(c[2] == "state" for c in table_rows(window)) >= 3)
    click_row(qtbot, window, lambda c: c[2] == "state" and c[5] == "t2")  # t1 is the mount, t2 the rename
    text = window.inspector.summary_text()
    assert "Selected event" in window.inspector.header.text()
    assert "shop#1::t2" in text
    assert "Dirty set" in text and "name, title" in text  # ids mapped to paths through the static IR
    lines = text.splitlines()
    # each patch: its path and who wrote it, then from -> to
    assert lines[lines.index("Patches") + 1:][:4] == ["name  reducer", "'Ada' → 'Grace'",
                                                      "title  computed:title", "'Shop of Ada' → 'Shop of Grace'"]
    assert lines[lines.index("mode") + 1] == "auto → dirty"  # the converge decision
    assert lines[lines.index("steps") + 1] == "1 of 3 ran, 1 changed"
    assert window.inspector.tree_model.changed_paths() == ["name", "title"]

    click_row(qtbot, window, lambda c: c[2] == "state" and c[5] == "t3")
    text = window.inspector.summary_text()
    assert "items, total" in text
    assert window.inspector.tree_model.changed_paths() == ["items.1", "total"]


def test_unknown_digest_ids_are_shown_with_a_warning(qtbot, aio, shop_runtime):
    host, window, inst = open_live(qtbot, shop_runtime)
    inst.dispatch("rename", "Grace")
    qtbot.waitUntil(lambda: any(c[5] == "t2" and c[2] == "state" for c in table_rows(window)))
    window.ctx.events.store.static_irs.clear()  # as in a trace cut before its static IR was written
    window.ctx.events.store._paths_cache.clear()  # noqa: SLF001 (the store has no public way to forget its tables)
    click_row(qtbot, window, lambda c: c[2] == "state" and c[5] == "t2")
    text = window.inspector.summary_text()
    lines = text.splitlines()
    row = window.inspector.facts.state_row
    ids = window.ctx.events.store.dirty_roots(row)
    assert lines[lines.index("Dirty set") + 1] == ", ".join(f"#{i} ⚠" for i in ids)  # ids, not guessed paths
    assert "shown as numbers" in text and "static IR of its digest is unknown" in text


def test_filter_by_field_path_kind_and_text(qtbot, aio, shop_runtime):
    host, window, inst = open_live(qtbot, shop_runtime)
    for price in (1, 2, 3):
        inst.dispatch("add", price)
    inst.dispatch("rename", "Grace")
    inst.dispatch("tag", "b")
    qtbot.waitUntil(lambda: sum(c[2] == "state" for c in table_rows(window)) == 6)

    qtbot.keyClicks(window.events.path, "items.price")
    qtbot.keyClick(window.events.path, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.events.model.filter.path == "items.price")
    rows = table_rows(window)
    # the mount (wrote total) does not touch items; the three adds wrote items (a prefix of items.price)
    assert [c[5] for c in rows] == ["t2", "t3", "t4"]
    assert "3 of" in window.events.status.text()

    window.events.path.clear()
    qtbot.waitUntil(lambda: window.events.model.filter.path == "")
    window.events.kind_box.setCurrentText("action")
    window.events.kind_box.activated.emit(window.events.kind_box.currentIndex())
    qtbot.waitUntil(lambda: window.events.model.filter.kinds == ("action",))
    assert {c[3] for c in table_rows(window)} == {"add", "rename", "tag"}

    qtbot.keyClicks(window.events.search, "ren")
    qtbot.waitUntil(lambda: [c[3] for c in table_rows(window)] == ["rename"])


def test_an_invalid_regex_is_explained_and_changes_nothing(qtbot, aio, shop_runtime):
    host, window, inst = open_live(qtbot, shop_runtime)
    inst.dispatch("add", 1)
    inst.dispatch("rename", "Grace")
    window.events.regex.setChecked(True)
    qtbot.keyClicks(window.events.search, "add|ren")
    qtbot.waitUntil(lambda: {c[3] for c in table_rows(window)} == {"add", "rename"})
    before = table_rows(window)
    qtbot.keyClicks(window.events.search, "(")
    qtbot.waitUntil(lambda: window.events.error.isVisible())
    assert "invalid regular expression" in window.events.error.text()
    assert table_rows(window) == before
    qtbot.keyClick(window.events.search, Qt.Key.Key_Backspace)
    qtbot.keyClicks(window.events.search, "$")  # now "add|ren$": valid, and "rename" no longer matches
    qtbot.waitUntil(lambda: not window.events.error.isVisible())
    assert {c[3] for c in table_rows(window)} == {"add"}


def test_selecting_an_instance_in_the_sidebar_scopes_the_table(qtbot, aio, shop_runtime):
    from devtools_support import shop_module

    host, window, inst = open_live(qtbot, shop_runtime)
    other = shop_runtime.mount(shop_module(), "shop#2", label="second shop")
    other.dispatch("rename", "Other")
    inst.dispatch("add", 1)
    qtbot.waitUntil(lambda: window.sidebar.model.index_of("instance", "app", "shop", "shop#2") is not None)
    assert "second shop" in window.sidebar.model.index_of("instance", "app", "shop", "shop#2").data()
    window.sidebar.select_scope("instance", "app", "shop", "shop#2")
    qtbot.waitUntil(lambda: {c[4] for c in table_rows(window)} == {"shop#2"})
    # the inspector follows the scope too: the latest transaction of shop#2, not the newer one of shop#1
    qtbot.waitUntil(lambda: "shop#2::t2" in window.inspector.summary_text())
    qtbot.keyClick(window.sidebar, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: {"shop#1", "shop#2"} <= {c[4] for c in table_rows(window)})


def test_help_overlay_lists_the_shortcuts(qtbot, aio, shop_runtime):
    host, window, inst = open_live(qtbot, shop_runtime)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    qtbot.keyClick(window.events.table, Qt.Key.Key_F1)
    qtbot.waitUntil(window.help.isVisible)
    assert "Ctrl+O" in window.help.text() and "Shift+Left / Right" in window.help.text()
    qtbot.keyClick(window.help, Qt.Key.Key_Escape)
    assert not window.help.isVisible()
