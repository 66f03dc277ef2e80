"""The Causality tab as a user works it: select a transaction, press Ctrl+G, read which fields ran and which were
skipped, click a field, read what feeds it and the transactions that recomputed it, click one; in the module IR
graph search, focus and collapse. Live, attached and on a recorded trace."""

from __future__ import annotations

from devtools_support import attached_window, choose, click_row, open_live, open_replay, right_click_row
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication

from devtools.views.causality_style import STATUS_FILL


def press(qtbot, window, keys: str) -> None:
    seq = QKeySequence(keys)[0]
    qtbot.keyClick(window, seq.key(), seq.keyboardModifiers())


def txn_page(qtbot, window):
    press(qtbot, window, "Ctrl+G")
    page = window.causality.txn
    qtbot.waitUntil(lambda: page.isVisible() and page.causality is not None)
    return page


def click_field(qtbot, panel, key: str) -> None:
    canvas = panel.canvas
    canvas.centre_on(key)
    qtbot.mouseClick(canvas.viewport(), Qt.MouseButton.LeftButton, pos=canvas.view_point_of(key))
    qtbot.waitUntil(lambda: panel.selected == key)


def fills(panel) -> dict[str, str]:
    return {key: box.brush().color().name() for key, box in panel.canvas.boxes.items()}


def list_texts(lst) -> list[str]:
    return [lst.item(i).text() for i in range(lst.count())]


def check_add_transaction(qtbot, window, txn_id: str) -> None:
    """What the shop's `add` transaction shows: items.price dirty, total recomputed, title and the check skipped."""
    page = txn_page(qtbot, window)
    qtbot.waitUntil(lambda: page.causality.txn_id == txn_id)
    assert f"<b>{txn_id}</b> add" in page.header.text()
    assert "<b>1</b> ran (1 changed, 0 same), <b>2</b> skipped" in page.header.text()
    shown = fills(page.panel)
    assert shown["items.price"] == STATUS_FILL["root"]
    assert shown["total"] == STATUS_FILL["changed"]
    assert shown["title"] == STATUS_FILL["skipped"] and shown["errors.email"] == STATUS_FILL["skipped"]
    assert shown["name"] == STATUS_FILL["clean"]
    assert "ms" in page.panel.canvas.boxes["total"].toolTip() or "ms" in _box_text(page.panel, "total")
    click_field(qtbot, page.panel, "total")
    detail = page.panel.detail
    assert list_texts(detail.fed_by) == ["items.price  (state)"]
    assert list_texts(detail.feeds) == ["—"]
    assert "changed in" in detail.title.text() and txn_id in detail.title.text()


def _box_text(panel, key: str) -> str:
    return " ".join(child.text() for child in panel.canvas.boxes[key].childItems())


def test_a_live_transaction_shows_what_ran_and_the_transactions_of_a_field(qtbot, aio, shop_runtime):
    host, window, inst = open_live(qtbot, shop_runtime)
    for price in (1, 2):
        inst.dispatch("add", price)
    inst.dispatch("rename", "Grace")
    qtbot.waitUntil(lambda: any(is_update("t3")(c) for c in _rows(window)))
    click_row(qtbot, window, is_update("t3"))
    check_add_transaction(qtbot, window, "shop#1::t3")
    page = window.causality.txn
    detail = page.panel.detail
    assert detail.txns_label.text().startswith("<b>3 transactions recomputed total</b>")  # mount and two adds
    assert [t.split("  ")[0] for t in list_texts(detail.txns)] == ["shop#1::t3", "shop#1::t2", "shop#1::t1"]

    item = detail.txns.item(1)  # shop#1::t2, the first add
    qtbot.mouseClick(detail.txns.viewport(), Qt.MouseButton.LeftButton, pos=detail.txns.visualItemRect(item).center())
    qtbot.waitUntil(lambda: page.causality.txn_id == "shop#1::t2")
    store = window.ctx.events.store
    assert store.txn_id_of(window.ctx.state.get()["selectedRow"]) == "shop#1::t2"  # selected everywhere
    assert "<b>shop#1::t2</b> add" in page.header.text()
    assert page.panel.selected == "total"  # the field stays chosen across transactions

    click_row(qtbot, window, is_update("t4"))
    qtbot.waitUntil(lambda: page.causality.txn_id == "shop#1::t4")
    shown = fills(page.panel)
    assert shown["name"] == STATUS_FILL["root"] and shown["title"] == STATUS_FILL["changed"]
    assert shown["total"] == STATUS_FILL["skipped"]


def test_the_context_menu_of_an_event_row_offers_the_causality_views(qtbot, aio, shop_runtime):
    host, window, inst = open_live(qtbot, shop_runtime)
    texts = [a.text() for a in window.events.table.actions()]
    assert texts == ["Why did this recompute?", "Module dependency graph"]
    inst.dispatch("add", 5)
    qtbot.waitUntil(lambda: any(is_update("t2")(c) for c in _rows(window)))
    row = click_row(qtbot, window, is_update("t2"))
    menu = right_click_row(qtbot, window, row)
    assert [a.text() for a in menu.actions() if a.text()][-2:] == ["Why did this recompute?", "Module dependency graph"]
    choose(qtbot, menu, "Why did this recompute?")
    qtbot.waitUntil(lambda: window.causality.txn.isVisible() and window.causality.txn.causality is not None)
    assert window.tabs.currentWidget() is window.causality
    help_text = window.help.label.text()
    assert "Ctrl+G" in help_text and "Ctrl+Shift+G" in help_text


def test_the_module_ir_graph_searches_focuses_and_collapses(qtbot, aio, recorded_trace):
    host, window = open_replay(qtbot, recorded_trace)
    press(qtbot, window, "Ctrl+Shift+G")
    page = window.causality.ir
    qtbot.waitUntil(lambda: page.isVisible() and page.panel.graph is not None)
    panel = page.panel
    assert set(panel.canvas.boxes) == {"items.price", "total", "name", "title", "email", "errors.email"}
    assert page.status.text().startswith("6 fields, 3 edges")
    layers = panel.layout_result.layer
    assert layers["items.price"] < layers["total"] and layers["name"] < layers["title"]

    qtbot.keyClicks(page.search, "tot")
    assert panel.canvas.marked == {"total"}
    assert "1 match for 'tot'" in page.status.text()
    qtbot.keyClick(page.search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: panel.selected == "total")
    assert list_texts(panel.detail.fed_by) == ["items.price  (state)"]
    assert panel.detail.txns_label.text().startswith("<b>4 transactions recomputed total</b>")  # mount + 3 adds

    page.hops.setValue(1)
    qtbot.mouseClick(page.focus_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: set(panel.canvas.boxes) == {"total", "items.price"})
    assert "around total (1 hops) of 6" in page.status.text()
    qtbot.mouseClick(page.whole_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(panel.canvas.boxes) == 6)

    qtbot.keyClicks(page.collapse, "items, errors")
    qtbot.keyClick(page.collapse, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "items.*" in panel.canvas.boxes)
    assert set(panel.canvas.boxes) == {"items.*", "errors.*", "total", "name", "title", "email"}
    click_field(qtbot, panel, "items.*")
    assert list_texts(panel.detail.feeds) == ["total  (computed)"]
    menu = page.node_menu("items.*", panel.canvas.mapToGlobal(panel.canvas.view_point_of("items.*")))
    assert [a.text() for a in menu.actions()] == ["Focus on items.* (1 hops)", "Expand items.*"]
    menu.actions()[1].trigger()
    menu.close()
    qtbot.waitUntil(lambda: "items.price" in panel.canvas.boxes)
    assert page.collapse.text() == "errors"

    zoom = panel.canvas.transform().m11()
    panel.canvas.setFocus()
    qtbot.keyClick(panel.canvas, Qt.Key.Key_Plus)
    assert panel.canvas.transform().m11() > zoom


def test_a_recorded_trace_shows_a_transaction_and_selects_another(qtbot, aio, recorded_trace):
    host, window = open_replay(qtbot, recorded_trace)
    window.ctx.replay.to_end()
    qtbot.waitUntil(lambda: any(is_update("t3")(c) for c in _rows(window)))
    click_row(qtbot, window, is_update("t3"))
    check_add_transaction(qtbot, window, "shop#1::t3")
    page = window.causality.txn
    assert "per-step durations recorded" in page.note.text()
    detail = page.panel.detail
    row = next(i for i in range(detail.txns.count()) if detail.txns.item(i).text().startswith("shop#1::t4"))
    rect = detail.txns.visualItemRect(detail.txns.item(row))
    qtbot.mouseClick(detail.txns.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(lambda: page.causality.txn_id == "shop#1::t4")
    assert QApplication.activeWindow() is window


def test_an_attached_window_gets_the_dependency_edges_over_the_wire(qtbot, aio):
    with attached_window(qtbot, aio) as (rt, inst, window, session):
        inst.dispatch("add", 7)
        qtbot.waitUntil(lambda: any(is_update("t2")(c) for c in _rows(window)))
        click_row(qtbot, window, is_update("t2"))
        check_add_transaction(qtbot, window, "shop#1::t2")
        assert window.causality.txn.causality.graph.has_edges


def is_update(txn: str):
    return lambda c: c[3] == "state:update" and c[4] == "shop#1" and c[5] == txn


def _rows(window):
    model = window.events.model
    return [tuple(model.index(r, c).data() for c in range(model.columnCount())) for r in range(model.rowCount())]


def wide_module(n: int):
    """A module of n derived fields in a binary tree (f_i reads f_{i//2}), under three prefixes."""
    from runtime import Module, computed

    initial = {"seed": 1, **{f"g{i % 3}": {} for i in range(3)}}
    fields = [computed(f"g{i % 3}.f{i}", deps=[f"g{(i // 2) % 3}.f{i // 2}" if i > 1 else "seed"],
                       derive=lambda v: (v or 0) + 1) for i in range(1, n + 1)]
    m = Module("wide", initial=initial, fields=fields)

    @m.reducer("seed")
    def seed(draft, v):
        draft["seed"] = v

    return m


def test_a_large_ir_is_laid_out_off_the_loop_and_stays_navigable(qtbot, aio, shop_runtime):
    from devtools.views.graph_panel import INLINE_LAYOUT_NODES

    host, window, _shop = open_live(qtbot, shop_runtime)
    inst = shop_runtime.mount(wide_module(INLINE_LAYOUT_NODES + 100))
    inst.dispatch("seed", 2)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    press(qtbot, window, "Ctrl+Shift+G")
    page = window.causality.ir
    qtbot.waitUntil(page.isVisible)
    assert page.show_module("wide")
    panel = page.panel
    assert panel.busy and panel.waiting.isVisible()  # the layout runs in a worker; the window says so meanwhile
    fields, edges = INLINE_LAYOUT_NODES + 101, INLINE_LAYOUT_NODES + 100
    assert panel.waiting.text() == f"Laying out {fields:,} fields and {edges:,} edges…"
    qtbot.waitUntil(lambda: not panel.busy)
    assert len(panel.canvas.boxes) == INLINE_LAYOUT_NODES + 101
    assert panel.layout_result.layer["g0.f300"] == 9  # seed -> f1 -> f2 -> ... -> f300: 9 hops deep

    qtbot.keyClicks(page.search, "g0.f300")
    qtbot.keyClick(page.search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: panel.selected == "g0.f300")
    assert panel.canvas.visible("g0.f300")  # brought into view
    assert list_texts(panel.detail.fed_by) == ["g0.f150  (computed)"]

    qtbot.mouseClick(page.focus_button, Qt.MouseButton.LeftButton)  # 2 hops by default
    # its parent and grandparent, and its parent's other child (its own children would be f600, f601: past 400)
    qtbot.waitUntil(lambda: set(panel.canvas.boxes) == {"g0.f300", "g0.f150", "g0.f75", "g1.f301"})
    qtbot.mouseClick(page.whole_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not panel.busy and len(panel.canvas.boxes) == INLINE_LAYOUT_NODES + 101)
    qtbot.keyClicks(page.collapse, "g1, g2")
    qtbot.keyClick(page.collapse, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "g1.*" in panel.canvas.boxes and "g2.*" in panel.canvas.boxes)
    assert sum(1 for k in panel.canvas.boxes if k.startswith("g0.")) == (INLINE_LAYOUT_NODES + 100) // 3
    assert "g1.f301" not in panel.canvas.boxes

