"""Assertions for tests that replay a recorded session (`tickscope testgen` writes them): a whole state against the
recorded one, and the exact set of field paths a transaction touched.

    assert_state(inst.get_state(), {...}, where="form#1 after form#1::t23")
    assert_touched_exactly(tickscope, record, ["customer.first", "full_name"], recorded_as="form#1::t2")

Failures name every difference by its path (up to a dozen), the recorded value and the value now.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from runtime.base.records import TxnRecord
from runtime.base.state_root import STATE_MAPPINGS
from runtime.testing.probe import TraceProbe

if TYPE_CHECKING:
    from runtime.kernel.instance import ModuleInstance

__all__ = ["assert_state", "assert_touched_exactly", "set_recorded_fields", "state_differences"]

_SHOWN = 12
_MISSING = object()


def _show(value: Any) -> str:
    text = "(missing)" if value is _MISSING else repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def state_differences(actual: Any, expected: Any, path: str = "") -> Iterator[tuple[str, Any, Any]]:
    """(path, expected, actual) for every place the two values differ, depth first; lists compare item by item."""
    if isinstance(actual, STATE_MAPPINGS) and isinstance(expected, STATE_MAPPINGS):
        for key in list(expected) + [k for k in actual if k not in expected]:
            sub = f"{path}.{key}" if path else str(key)
            yield from state_differences(actual.get(key, _MISSING), expected.get(key, _MISSING), sub)
        return
    if isinstance(actual, (list, tuple)) and isinstance(expected, (list, tuple)) \
            and type(actual) is type(expected) and len(actual) == len(expected):
        for i, (a, e) in enumerate(zip(actual, expected, strict=True)):
            yield from state_differences(a, e, f"{path}[{i}]")
        return
    if type(actual) is not type(expected) and not (_number(actual) and _number(expected)) or actual != expected:
        yield path or "(the whole state)", expected, actual


def _number(value: Any) -> bool:
    """An int or a float (1 and 1.0 read the same from JSON); a bool is no number here."""
    return type(value) in (int, float)


def assert_state(actual: Any, expected: Any, *, where: str) -> None:
    """`actual` equals the recorded `expected`; else an AssertionError listing each differing path."""
    diffs = list(state_differences(actual, expected))
    if not diffs:
        return
    lines = [f"  {p}: recorded {_show(e)}, now {_show(a)}" for p, e, a in diffs[:_SHOWN]]
    more = f"\n  ... and {len(diffs) - _SHOWN} more" if len(diffs) > _SHOWN else ""
    raise AssertionError(f"the state of {where} is not the recorded one ({len(diffs)} difference"
                         f"{'' if len(diffs) == 1 else 's'}):\n" + "\n".join(lines) + more)


def assert_touched_exactly(probe: TraceProbe, record: TxnRecord | None, paths: Sequence[str] | None, *,
                           recorded_as: str) -> None:
    """The transaction touched exactly the recorded field paths (None: it dirtied everything), through the probe's
    `assert_touched` for each of them, then nothing else."""
    if record is None:
        raise AssertionError(f"{recorded_as} committed when it was recorded; replayed, it committed nothing")
    touched = probe.touched_paths(record)
    if paths is None or touched is None:
        if paths != touched:
            then, now = ("everything" if p is None else p for p in (paths, touched))
            raise AssertionError(f"{recorded_as}: recorded as touching {then}, replayed as {record.txn_id} it "
                                 f"touched {now}")
        return
    for path in paths:
        probe.assert_touched(record, path)
    extra = sorted(set(touched) - set(paths))
    if extra:
        raise AssertionError(f"{recorded_as}: replayed as {record.txn_id} it also touched {extra}; "
                             f"recorded: {sorted(paths)}")


def set_recorded_fields(inst: ModuleInstance, values: Mapping[str, Any]) -> None:
    """Write what a recorded non-action transaction wrote: each dotted path gets its recorded value (the path ""
    the whole state), everything else stays as the replay left it, so a difference made earlier still shows."""
    state = copy.deepcopy(dict(inst.get_state()))  # a plain dict to write into, whatever the root type
    for path, value in values.items():
        if not path:
            state = copy.deepcopy(value)
            continue
        keys = path.split(".")
        target = state
        for key in keys[:-1]:
            target = target.setdefault(key, {})
        target[keys[-1]] = copy.deepcopy(value)
    inst.set_state(state)
