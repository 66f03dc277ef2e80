"""Ingest: the row fields of one exported debug event payload (event_fields.py) become the column values of one
EventStore row.

`event_adder` builds the per-event function with every table and appender bound once (it runs a million times on
a large load). A row is handed to `row_sink` as one tuple, in the order of `COLUMNS`; the dirty root ids of a
state:update go to `dirty_sink` one by one, and the row holds how many there were. Values that do not fit
their column are replaced: seq -1, txnSeq 0, tick -1, a timestamp that is no number the envelope's (else 0.0), a
converge duration that is no number 0.0; a number beyond its float column is left out the same way, and said
(unfit_numbers.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from msgspec import UNSET

from runtime.trace.event_fields import DirtyFields, MetaFields, PayloadFields
from runtime.trace.unfit_numbers import FLOAT32_MAX, row_converge_ms, row_timestamp

from runtime.trace.row_codes import (
    CONVERGE_DEGRADED,
    CONVERGE_DIRTY,
    CONVERGE_FULL,
    DIRTY_ALL_ID,
    FLAG_DIRTY_ALL,
    FLAG_ERROR,
    FLAG_ERROR_SUMMARY,
    FLAG_TICK_END,
    FLAG_WARNING,
    NO_CODE,
    Interned,
)

__all__ = ["COLUMNS", "EventAdder", "event_adder"]

COLUMNS = ("seq", "ts", "kind", "label", "module", "instance", "txn", "link", "command", "tick", "digest", "flags",
           "converge", "converge_ms", "dirty_end", "off", "len")
"""The values of a row, in the order `row_sink` gets them (`dirty_end` is the row's count of dirty root ids)."""

EventAdder = Callable[[PayloadFields, Any, Any, int, int], int]
"""(payload fields, envelope seq, envelope timestamp, offset, length) -> the row index (when buffered: 0, or 1 when
a number that does not fit its column was left out, which the loader reports: unfit_numbers.py), or -1 when the
payload cannot be a row. The envelope's timestamp stands in for a payload timestamp that is no number."""

_TICK_END_PHASES = ("settled", "budgetExceeded")
"""A tuple, not a set: membership compares, so a phase that is a JSON array or object is no end (a set would
hash it and raise, which stopped the whole load)."""
_MAX_Q = 9223372036854775807
_MAX_I = 2147483648
_MAX_I_UNSIGNED = 4294967296
_TICK_BOUND = 4611686018427387904


def _interner(kinds: Interned, labels: Interned, modules: Interned, instances: Interned,
              instance_runtime: dict[int, str],
              combos: dict[tuple[str, str, str, str], tuple[int, int, int, int]],
              ) -> Callable[[PayloadFields, tuple[Any, ...]], tuple[int, int, int, int] | None]:
    """Codes (kind, label, instance, module) met for the first time: checked to be non-empty strings, interned,
    and remembered in `combos`; None when they cannot name a row."""
    inst_codes = instances.codes
    str_ = str

    def intern(p: PayloadFields, key: tuple[Any, ...]) -> tuple[int, int, int, int] | None:
        kind, label, iid, mid = key
        if type(kind) is not str_ or type(label) is not str_ or type(iid) is not str_ or type(mid) is not str_ \
                or not kind or not label or not iid or not mid:
            return None
        inst = inst_codes.get(iid)
        if inst is None:
            inst = instances.code(iid)
            rl = p.runtimeLabel
            instance_runtime[inst] = rl if type(rl) is str_ else "runtime"
        codes = (kinds.code(kind), labels.code(label), inst, modules.code(mid))
        combos[key] = codes
        return codes

    return intern


def event_adder(*, kinds: Interned, labels: Interned, modules: Interned, instances: Interned, links: Interned,
                commands: Interned, digests: Interned, instance_runtime: dict[int, str],
                row_sink: Callable[[tuple[Any, ...]], None], dirty_sink: Callable[[int], None],
                rows: Callable[[], int] | None) -> EventAdder:
    """The per-event ingest function over these tables; `dirty_sink` takes each dirty root id; `rows` (the current
    row count) is None when rows are buffered, and the function then returns 0 for a row instead of its index."""
    combos: dict[tuple[str, str, str, str], tuple[int, int, int, int]] = {}
    """(kind, label, instanceId, moduleId) -> their codes: one lookup for four columns; a hit also means the
    four were already checked to be non-empty strings (no other value equals a str)."""
    intern = _interner(kinds, labels, modules, instances, instance_runtime, combos)
    fallback_timestamp = row_timestamp
    converge_ms_of = row_converge_ms
    f32_max = FLOAT32_MAX
    no_ms = float("nan")  # what the check sends to the rules: durations that are not two floats
    link_get = links.codes.get
    digest_get = digests.codes.get
    end_phases = _TICK_END_PHASES
    dirty_all = (DIRTY_ALL_ID,)
    no_code = NO_CODE
    unset = UNSET
    str_ = str
    int_ = int
    float_ = float
    meta_fields = MetaFields
    dirty_fields = DirtyFields
    list_ = list

    # One function, no calls on the common path: a call per event costs about a tenth of what ingesting it does
    # (measured on the demo trace), so the per-kind parts are written inline and the value choices as expressions.
    def add(p: PayloadFields, seq: Any, env_ts: Any, off: int, length: int) -> int:
        key = (p.kind, p.label, p.instanceId, p.moduleId)
        try:
            codes = combos.get(key) or intern(p, key)
        except TypeError:  # an unhashable value (a JSON array or object)
            return -1
        if codes is None:
            return -1
        kc, lc, inst, mc = codes
        seq = seq if type(seq) is int_ and 0 <= seq < _MAX_Q else -1
        left_out = nd = conv = 0  # left_out 1: a number that does not fit its column was left out (unfit_numbers.py)
        ts = p.timestamp
        if type(ts) is not float_:
            ts, left_out = fallback_timestamp(ts, env_ts)
        txn = p.txnSeq
        txn = txn if type(txn) is int_ and 0 <= txn < _MAX_I_UNSIGNED else 0
        link_id = p.linkId
        link = -1 if type(link_id) is not str_ else link_get(link_id)
        link = links.code(link_id) if link is None else link  # a str: only a str is looked up
        flags = 0 if p.downgrade is unset and p.errorSummary is unset else \
            (p.downgrade is not unset) | (p.errorSummary is not unset) * FLAG_ERROR_SUMMARY
        command = tick = -1
        digest: int | None = no_code
        conv_ms = 0.0
        meta = p.meta
        if type(meta) is meta_fields:
            kind = key[0]
            if kind == "trait:converge":
                mode = meta.executedMode
                conv = (CONVERGE_FULL if mode == "full" else CONVERGE_DIRTY if mode == "dirty" else 0) \
                    | (CONVERGE_DEGRADED if meta.outcome == "Degraded" else 0)
                run_ms, decide_ms = meta.executionDurationMs, meta.decisionDurationMs
                conv_ms = run_ms + decide_ms if type(run_ms) is float_ and type(decide_ms) is float_ else no_ms
                if not -f32_max <= conv_ms <= f32_max:  # not two floats whose sum the 32-bit column holds
                    conv_ms, odd = converge_ms_of(run_ms, decide_ms)
                    left_out |= odd
            elif kind == "state":
                dirty = meta.dirtySet
                if type(dirty) is dirty_fields:
                    ids = dirty.rootIds
                    ids = dirty_all if dirty.dirtyAll is True else ids if type(ids) is list_ else ()
                    flags |= FLAG_DIRTY_ALL if ids is dirty_all else 0
                    low = DIRTY_ALL_ID if ids is dirty_all else 0  # a root id is never negative, but "all" is -1
                    for i in ids:
                        if type(i) is int_ and low <= i < _MAX_I:
                            dirty_sink(i)
                            nd += 1
                d = meta.staticIrDigest
                digest = digest_get(d) if type(d) is str_ else no_code
                digest = digests.code(d) if digest is None else digest  # a str: only a str is looked up
            elif kind == "diagnostic":
                severity = meta.severity
                flags |= FLAG_ERROR if severity == "error" else FLAG_WARNING if severity == "warning" else 0
            cmd = meta.commandId
            if cmd is not unset:  # only operation events name one
                command = commands.code(cmd) if type(cmd) is str_ else -1
            t = meta.tickSeq
            if type(t) is int_ and -_TICK_BOUND < t < _TICK_BOUND:
                tick = t
                flags |= FLAG_TICK_END if key[1] == "trace:tick" and meta.phase in end_phases else 0
        row_sink((seq, ts, kc, lc, mc, inst, txn, link, command, tick, digest, flags, conv, conv_ms, nd, off, length))
        return rows() - 1 if rows is not None else left_out

    return add
