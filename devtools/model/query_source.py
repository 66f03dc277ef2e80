"""What the query pane runs SQL over, and how result rows lead back to the rows of the window's store.

A loaded trace is queried in its file (rows are found again by their envelope seq, which rises through the file).
A live or attached session has no file: its events are written to a temporary trace first (static IRs, then one
line per row), so an event's seq there is its row plus the number of IRs before it.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from bisect import bisect_left
from collections.abc import Callable, Iterable

from runtime.trace import EventStore, TraceWriter

__all__ = ["QuerySource", "query_source_for"]


class QuerySource:
    """A trace file holding the store's events, and the map from its seqs back to store rows."""

    def __init__(self, store: EventStore, path: str, seq_offset: int | None, tmp_dir: str | None) -> None:
        self.store = store
        self.path = path
        self._offset = seq_offset
        """None: the store's own file (seqs as recorded); else row = seq - offset - 1."""
        self._tmp = tmp_dir

    def rows_of_seqs(self, seqs: Iterable[object]) -> list[int]:
        """The store rows of these envelope seqs (seqs of no event row are left out), sorted."""
        n = len(self.store)
        out: set[int] = set()
        column = self.store.seq
        for seq in seqs:
            if type(seq) is not int:
                continue
            if self._offset is not None:
                row = seq - self._offset - 1
            else:
                row = bisect_left(column, seq)
                row = row if row < n and column[row] == seq else -1
            if 0 <= row < n:
                out.add(row)
        return sorted(out)

    def rows_of_txns(self, txn_ids: Iterable[object]) -> list[int]:
        """The state:update rows of these transactions (`instance::t<seq>`), sorted."""
        out: set[int] = set()
        for txn_id in txn_ids:
            if not isinstance(txn_id, str) or "::t" not in txn_id:
                continue
            instance, _, seq = txn_id.rpartition("::t")
            if not seq.isdigit():
                continue
            for row in self.store.index.rows_of_txn(instance, int(seq)):
                if self.store.label_of(row) == "state:update":
                    out.add(row)
        return sorted(out)

    def close(self) -> None:
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None


def query_source_for(store: EventStore, *, progress: Callable[[int, int], None] | None = None) -> QuerySource:
    """The store's trace file when it was loaded from one, else a temporary trace of its rows (call from a worker
    thread with the store held still: writing a million rows takes seconds)."""
    if store.source_path is not None and os.path.exists(store.source_path) and store.header is not None:
        return QuerySource(store, store.source_path, None, None)
    tmp = tempfile.mkdtemp(prefix="tickscope-live-query-")
    path = os.path.join(tmp, "session.jsonl")
    n = len(store)
    with TraceWriter(path, label="devtools") as writer:
        for etype, payload in store.static_records():
            writer.write(etype, payload)
        offset = writer.count
        for row in range(n):
            writer.write("debug:event", store.payload(row), float(store.ts[row]))
            if progress is not None and row % 20_000 == 0:
                progress(row, n)
    return QuerySource(store, path, offset, tmp)
