"""What the inspector uses of the runtime it serves: `InspectTarget` and the shapes it hands out.

The inspector never sees the Runtime class: any object with these members can be inspected, so the server, its
stream and its control commands can be built and tested alone. The Runtime satisfies the Protocol as it is.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from typing import Literal, Protocol

from runtime.debug.hub import Feed

__all__ = [
    "FeedHub",
    "HighlightSwitch",
    "InspectTarget",
    "InspectedInstance",
    "InspectedModule",
    "InspectedTransaction",
    "LevelSink",
    "TickLoop",
    "TravelMode",
]

TravelMode = Literal["before", "after"]
"""Which snapshot of a past transaction time travel brings back."""


class FeedHub(Protocol):
    """The debug hub as the inspector uses it: a feed of every exported record, and clearing its window."""

    def feed(self, feed: Feed, /) -> Callable[[], None]:
        """Start feeding `feed`; returns the function that stops it."""
        ...

    def clear(self) -> None: ...


class LevelSink(Protocol):
    """The debug sink as the inspector uses it: whether it exports, and switching it on."""

    @property
    def on(self) -> bool: ...

    @property
    def level(self) -> str:
        """off | light | full, as HELLO tells clients."""
        ...

    def set_level(self, level: Literal["light"], /) -> None:
        """The inspector only ever switches a runtime that exports nothing to `light`."""
        ...

    def diagnostic(self, *, module_id: str, instance_id: str, code: str, severity: str, message: str,
                   hint: str | None = None) -> None:
        """Report to the application (a client disconnected for passing a bound)."""
        ...


class HighlightSwitch(Protocol):
    """The runtime's "highlight updates" switch (runtime.debug.highlight) as highlightUpdates sets it."""

    def set(self, enabled: bool, /) -> None: ...


class TickLoop(Protocol):
    """The tick scheduler as the inspector uses it: the asyncio loop it last scheduled a tick on."""

    @property
    def loop(self) -> asyncio.AbstractEventLoop | None: ...


class InspectedModule(Protocol):
    @property
    def reducers(self) -> Mapping[str, object]: ...

    def action_schemas(self) -> Mapping[str, Mapping[str, object]]:
        """Each action type with its payload type as JSON (`{}`: any payload)."""
        ...


class InspectedTransaction(Protocol):
    """A past transaction; its snapshots are None unless the runtime kept them (diagnostics level full)."""

    @property
    def before(self) -> object: ...

    @property
    def after(self) -> object: ...


class InspectedInstance(Protocol):
    """A mounted module instance as control commands reach it."""

    @property
    def module_id(self) -> str: ...

    @property
    def module(self) -> InspectedModule: ...

    def dispatch(self, action_type: str, payload: object = None, /) -> object: ...

    def check_payload(self, action_type: str, payload: object, /) -> object:
        """Raises PayloadTypeError (a TickscopeError) when `payload` is not of the type the reducer declares."""
        ...

    def find_transaction(self, txn_id: str, /) -> InspectedTransaction:
        """Raises TimeTravelUnavailable when the transaction is not in the history."""
        ...

    def apply_transaction_snapshot(self, txn_id: str, which: TravelMode, /) -> object: ...


class InspectTarget(Protocol):
    """The runtime an inspector serves."""

    @property
    def label(self) -> str: ...

    @property
    def disposed(self) -> bool: ...

    @property
    def hub(self) -> FeedHub: ...

    @property
    def sink(self) -> LevelSink: ...

    @property
    def scheduler(self) -> TickLoop: ...

    @property
    def highlight(self) -> HighlightSwitch: ...

    def instance(self, instance_id: str, /) -> InspectedInstance:
        """Raises KeyError naming the instance when none has that id."""
        ...

    def instances(self) -> Sequence[InspectedInstance]:
        """The mounted instances (HELLO names their modules' reducers)."""
        ...
