"""A list of listeners told of a change, each isolated from the others' failures.

Listeners are other people's code (a widget binding, a devtools view): one that raises must neither silence the
listeners after it nor unwind into the runtime code that announced the change (an action run registering its
pending entry, a timer of a busy boundary). The failure is logged with the owner's name and the listener.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Generic, ParamSpec

__all__ = ["ListenerList"]

log = logging.getLogger("tickscope")

P = ParamSpec("P")


class ListenerList(Generic[P]):
    """Listeners called in the order they subscribed, from a copy (a listener may unsubscribe while being told)."""

    __slots__ = ("items", "owner")

    def __init__(self, owner: str) -> None:
        self.items: list[Callable[P, object]] = []
        self.owner = owner

    def add(self, listener: Callable[P, object]) -> Callable[[], None]:
        """Subscribe `listener`; returns the function that unsubscribes it (calling it twice is harmless)."""
        if not callable(listener):
            raise TypeError(f"listener {listener!r} of {self.owner} is not callable")
        self.items.append(listener)

        def unsubscribe() -> None:
            if listener in self.items:
                self.items.remove(listener)

        return unsubscribe

    def notify(self, *args: P.args, **kwargs: P.kwargs) -> None:
        for listener in tuple(self.items):
            try:
                listener(*args, **kwargs)
            except Exception:  # a broken listener must not silence the others nor fail the change it hears of
                log.exception("listener %r of %s raised", listener, self.owner)

    def __len__(self) -> int:
        return len(self.items)
