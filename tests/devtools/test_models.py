"""The Qt item models pass pytest-qt's model tester, and show what they hold as a user reads it."""

from __future__ import annotations

import numpy as np
from devtools_support import record_shop_session
from PySide6.QtCore import QModelIndex, Qt

from devtools.model.event_feed import EventFeed
from devtools.model.event_filter import EventFilter, FilterError
from devtools.model.state_diff import state_diff
from devtools.model.values import short_text, view_of
from devtools.qt_models.events_model import EventsModel
from devtools.qt_models.sidebar_model import SidebarModel
from devtools.qt_models.state_tree import StateTreeModel
from runtime import Runtime


def live_feed(qapp):
    rt = Runtime(label="app", diagnostics="full")
    feed = EventFeed()
    rt.hub.tap(feed.tap)
    record_shop_session(rt)
    return rt, feed


def test_events_model_is_a_sound_virtual_table(qtmodeltester, qapp):
    rt, feed = live_feed(qapp)
    model = EventsModel(feed)
    qtmodeltester.check(model, force_py=True)
    assert model.rowCount() == len(feed)
    assert model.index(0, 2).data() == "lifecycle" and model.index(0, 3).data() == "module:init"
    model.set_filter(EventFilter(kinds=("state",)))  # the tester stays connected and checks every change
    assert [model.index(r, 5).data() for r in range(model.rowCount())] == ["t1", "t2", "t3", "t4", "t5"]
    rt.mount(__import__("devtools_support").shop_module(), "shop#2").dispatch("rename", "x")  # rows arrive live
    model.refresh()
    assert {model.index(r, 4).data() for r in range(model.rowCount())} == {"shop#1", "shop#2"}
    model.set_filter(EventFilter(path="name"))
    assert [model.index(r, 5).data() for r in range(model.rowCount())] == ["t5", "t2"]  # t2 of shop#2
    try:
        model.set_filter(EventFilter(text="(", regex=True))
    except FilterError as err:
        assert "invalid regular expression" in str(err)
    else:
        raise AssertionError("an invalid regex must be refused")
    assert model.filter.path == "name"  # the refused filter changed nothing
    rt.dispose()


def test_events_model_over_a_million_rows_fetches_nothing_eagerly(qapp):
    feed = EventFeed()
    base = {"moduleId": "m", "runtimeLabel": "r", "kind": "action", "label": "tick", "timestamp": 0.0}
    for i in range(200_000):  # enough to show the model does not walk rows; a filter is vectorised
        feed.store.append("debug:event", {**base, "instanceId": f"m#{i % 4}", "eventSeq": i, "timestamp": float(i),
                                          "label": "even" if i % 2 == 0 else "odd"})
    model = EventsModel(feed)
    assert model.rowCount() == 200_000
    assert len(feed.store._cache) == 0  # noqa: SLF001 (no public count)  no payload was decoded to build the table
    model.set_filter(EventFilter(text="^odd$", regex=True, instances=("m#1",)))
    assert model.rowCount() == 50_000
    assert model.index(0, 3).data() == "odd" and model.index(0, 4).data() == "m#1"
    assert len(feed.store._cache) == 0  # noqa: SLF001


def test_sidebar_model_counts_events_per_scope(qtmodeltester, qapp):
    rt, feed = live_feed(qapp)
    model = SidebarModel()
    model.update_from(feed)
    qtmodeltester.check(model, force_py=True)
    shop = model.index_of("instance", "app", "shop", "shop#1")
    n_shop = sum(1 for r in range(len(feed)) if feed.store.instance_of(r) == "shop#1")
    assert shop.siblingAtColumn(1).data() == str(n_shop)
    assert model.index_of("runtime", "app").siblingAtColumn(1).data() == str(len(feed))
    rt.dispose()


def test_state_tree_shows_a_diff_and_tagged_values(qtmodeltester, qapp):
    model = StateTreeModel()
    before = {"name": "Ada", "tags": {"$set": ["a"]}, "pair": {"$tuple": [1, 2]}, "gone": 1}
    after = {"name": "Grace", "tags": {"$set": ["a", "b"]}, "pair": {"$tuple": [1, 2]}, "new": [1, 2, 3]}
    model.set_state(state_diff(after, before))
    qtmodeltester.check(model, force_py=True)
    rows = {model.index(r, 0).data(): model.index(r, 1).data() for r in range(model.rowCount())}
    assert rows["tags"] == "set {'a', 'b'}" and rows["pair"] == "tuple (1, 2)"
    assert rows["gone"] == "—"
    assert model.changed_paths() == ["name", "tags.1", "new", "gone"]  # removed keys come last
    gone = next(model.index(r, 0) for r in range(model.rowCount()) if model.index(r, 0).data() == "gone")
    assert "removed" in gone.data(Qt.ItemDataRole.ToolTipRole)
    model.set_state(state_diff({"a": 1}))  # checked by the still-connected tester
    assert model.columnCount(QModelIndex()) == 2  # no "before" column without a diff


def test_values_read_as_what_they_are():
    assert short_text({"$set": [1, 2]}) == "set {1, 2}"
    assert short_text(frozenset({3})) == "frozenset {3}"
    assert short_text((1, "a")) == "tuple (1, 'a')"
    assert short_text([0.5] * 32 + [{"$truncated": "88 more items"}]) == "[120 items, 32 shown]"  # the mark is no item
    assert len(view_of([0.5] * 32 + [{"$truncated": "88 more items"}]).children) == 32
    assert short_text({**{f"k{i}": i for i in range(32)}, "$truncated": "8 more keys"}) == "{40 keys, 32 shown}"
    assert view_of({"$truncated": "object of 40 keys below depth 6"}).type_name == "cut"
    assert short_text({"$truncated": "object of 40 keys below depth 6"}) == "{40 keys, none shown: below depth 6}"
    assert short_text("x" * 256 + "…").endswith("…' (cut at 256 chars)")  # a string export cut says so
    assert short_text("x" * 500).endswith("(500 chars)")
    assert short_text(list(range(100))) == "[100 items]"
    assert view_of(np.float64(1.5)).type_name == "float64"  # a numpy value says so


def test_a_reset_feed_shows_only_what_came_after_even_when_more_arrives_before_a_repaint(qapp):
    from collections import Counter

    rt, feed = live_feed(qapp)
    old_rows = len(feed.column("ts"))
    assert old_rows > 20 and feed.instance_counts()
    irs = dict(feed.store.static_irs)

    feed.reset(irs.values(), keep_labels=True)  # what a remote clear does
    assert len(feed) == 0 and feed.instance_counts() == {} and dict(feed.store.static_irs) == irs
    record_shop_session(rt)  # more rows than before arrive before anything reads the columns again
    record_shop_session(rt)
    rows = range(len(feed))
    assert len(feed) > old_rows
    assert feed.column("ts").tolist() == [feed.store.payload(r)["timestamp"] for r in rows]  # none of the old rows
    assert feed.instance_counts() == Counter(feed.store.payload(r)["instanceId"] for r in rows)
