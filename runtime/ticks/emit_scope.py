"""The scope of one synchronous store notification, so that its fan-out settles in one tick when no loop runs.

With an asyncio loop running, a tick is a `call_soon` callback: every subscriber a store notifies signals before it
runs, so their commits share one tick and watchers never see one module updated and its peer not yet. Without a
loop the scheduler ticks synchronously, at once; a store with two subscribed fields would then give two ticks, and
between them a torn view. So a store built on the runtime's listener lists (`value_store`, `from_stream`) opens an
emit scope around its notification, and a scheduler asked to tick inside one waits until the outermost scope ends.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

__all__ = ["emitting", "defer_to_emit_end", "scope"]


class _Scope(threading.local):
    def __init__(self) -> None:
        self.depth = 0
        self.waiting: dict[Callable[[], None], None] = {}
        """Flushes to run when the outermost emit ends, each once, in the order they asked."""


_scope = _Scope()
scope = _scope
"""This thread's emit scope: `scope.depth` is 0 outside any store notification (read it, never change it; a check
on every window's end, so without a call)."""


class emitting:  # noqa: N801 - used as a statement (`with emitting():`), like contextlib's helpers
    """`with emitting():` around a store's notification of its listeners."""

    __slots__ = ()

    def __enter__(self) -> None:
        _scope.depth += 1

    def __exit__(self, *exc: object) -> None:
        scope = _scope
        scope.depth -= 1
        if scope.depth or not scope.waiting:
            return
        first_error: BaseException | None = None
        while scope.waiting:  # a flush may notify a store again, and so ask for another flush
            flush = next(iter(scope.waiting))
            del scope.waiting[flush]
            try:
                flush()
            except BaseException as err:  # the other schedulers still tick; the first failure is raised after
                first_error = first_error or err
        if first_error is not None:
            raise first_error


def defer_to_emit_end(flush: Callable[[], None]) -> bool:
    """Inside a store notification: run `flush` when the outermost one ends, and say True. Outside one: False."""
    if not _scope.depth:
        return False
    _scope.waiting[flush] = None
    return True
