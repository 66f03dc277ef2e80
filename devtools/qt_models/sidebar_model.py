"""The sidebar tree: runtimes -> modules -> instances, with event counts and instance labels.

Updated in place (new rows inserted, counts rewritten) so a live session keeps the user's selection and expansion
while events stream in. Every item carries its scope as `(level, runtime, module, instance)` in SCOPE_ROLE; the
view turns a click into a selection of the devtools state.
"""

from __future__ import annotations

from typing import Literal

from PySide6.QtCore import QModelIndex, QObject, Qt
from PySide6.QtGui import QStandardItem, QStandardItemModel

from .event_rows import EventRows

__all__ = ["SidebarModel", "SCOPE_ROLE", "Scope", "ScopeLevel"]

SCOPE_ROLE = Qt.ItemDataRole.UserRole + 1

ScopeLevel = Literal["runtime", "module", "instance"]
Scope = tuple[ScopeLevel, str | None, str | None, str | None]
"""(level, runtime, module, instance) of one item; the names below its level are None."""
_KEY_PREFIX: dict[ScopeLevel, str] = {"runtime": "r", "module": "m", "instance": "i"}


def _item(text: str, scope: Scope) -> QStandardItem:
    item = QStandardItem(text)
    item.setEditable(False)
    item.setData(scope, SCOPE_ROLE)
    return item


class SidebarModel(QStandardItemModel):
    """Runtimes, modules and instances seen in an event feed."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setHorizontalHeaderLabels(["scope", "events"])
        self._items: dict[tuple[str, ...], tuple[QStandardItem, QStandardItem]] = {}

    def _ensure(self, key: tuple[str, ...], text: str, scope: Scope, parent: QStandardItem | None) -> QStandardItem:
        got = self._items.get(key)
        if got is None:
            name, count = _item(text, scope), _item("0", scope)
            count.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            (parent or self.invisibleRootItem()).appendRow([name, count])
            got = self._items[key] = (name, count)
        elif got[0].text() != text:
            got[0].setText(text)
        if got[0].toolTip() != text:
            got[0].setToolTip(text)  # the tree may be narrower than an instance's id and label
        return got[0]

    def _count(self, key: tuple[str, ...], n: int) -> None:
        cell = self._items[key][1]
        if cell.text() != str(n):
            cell.setText(str(n))

    def update_from(self, feed: EventRows) -> None:
        """Bring the tree up to date with the visible rows of `feed`."""
        store = feed.store
        per_instance = feed.instance_counts()
        totals: dict[tuple[str, ...], int] = {}
        for iid in store.instances.values:
            n = per_instance.get(iid, 0)
            rt = store.runtime_of_instance(iid)
            rows = store.index.rows_of_instance(iid)
            module = store.module_of(rows[0]) if len(rows) else "?"
            rt_item = self._ensure(("r", rt), rt, ("runtime", rt, None, None), None)
            mod_item = self._ensure(("m", rt, module), module, ("module", rt, module, None), rt_item)
            label = feed.instance_labels.get(iid)
            text = iid if not label or label == iid else f"{iid}  ·  {label}"
            self._ensure(("i", rt, module, iid), text, ("instance", rt, module, iid), mod_item)
            totals[("i", rt, module, iid)] = n
            totals[("m", rt, module)] = totals.get(("m", rt, module), 0) + n
            totals[("r", rt)] = totals.get(("r", rt), 0) + n
        for key, n in totals.items():
            self._count(key, n)

    def index_of(self, level: ScopeLevel, *names: str) -> QModelIndex | None:
        """The model index of a runtime / module / instance item (for tests and keyboard navigation)."""
        key = (_KEY_PREFIX[level], *names)
        got = self._items.get(key)
        return None if got is None else got[0].index()
