"""ExternalStore: the protocol every outside source of state speaks, and constructors for the common sources.

    class ExternalStore(Protocol):
        def get_snapshot(self) -> T: ...                           # synchronous, no I/O: the current raw value
        def subscribe(self, listener) -> Callable[[], None]: ...    # listener() on change; returns unsubscribe
        # optional: get_server_snapshot() -> T

Constructors:
- `from_callbacks(get_snapshot, subscribe)`: wrap an existing pair of functions;
- `value_store(initial)`: a holder you `set()`/`update()` yourself (listeners hear about real changes only);
- `from_stream(async_iterable, initial=...)`: the latest item of an async iterator, consumed by a task on the running
  loop while someone is subscribed; a stream has no current value, so `initial` is required
  (`external_store::missing_initial`);
- `from_module(source, read, reads=...)`: another module's selector (module-as-source). Used in an external-store
  field it is a graph edge the tick follows (settled in the same tick as the source's commit); used directly it is
  that module's selector topic in the runtime store.

The runtime's topic facades (`rt.store.topic(...)`) are ExternalStores too. Listeners of the stores here are copied
before each notification and isolated: one that raises is logged and the others still run.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterable, Callable, Sequence
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar, runtime_checkable

from runtime.base.listeners import ListenerList
from runtime.base.state_access import same_value
from runtime.errors import ExternalStoreError
from runtime.fields.external_store import is_external_store
from runtime.kernel.instance import ModuleInstance
from runtime.sources.resolve import InstanceRef, resolve_instance
from runtime.ticks.emit_scope import emitting
from runtime.ticks.read_query import ReadQuery, as_read_query
from runtime.ticks.store import RuntimeStore

if TYPE_CHECKING:
    from runtime.kernel.kernel import Kernel
    from runtime.ticks.store import SelectorTopic

__all__ = ["ExternalStore", "CallbackStore", "ValueStore", "StreamStore", "ModuleSource", "from_callbacks",
           "value_store", "from_stream", "from_module", "is_external_store"]

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)
Listener = Callable[[], None]
log = logging.getLogger("tickscope")
_MISSING: Any = object()


@runtime_checkable
class ExternalStore(Protocol[T_co]):
    def get_snapshot(self) -> T_co: ...

    def subscribe(self, listener: Listener) -> Callable[[], None]: ...


class _Listeners(ListenerList[[]]):
    """A store's listeners; told inside one emit scope, so that without a loop the subscribers' signals still
    settle in one tick (see emit_scope)."""

    __slots__ = ()

    def notify(self) -> None:
        with emitting():
            super().notify()


class CallbackStore(Generic[T]):
    """An ExternalStore made of two (or three) functions."""

    def __init__(self, get_snapshot: Callable[[], T], subscribe: Callable[[Listener], Callable[[], None]], *,
                 get_server_snapshot: Callable[[], T] | None = None, store_id: str | None = None) -> None:
        if not callable(get_snapshot) or not callable(subscribe):
            raise ExternalStoreError("external_store::invalid_store", "get_snapshot and subscribe must be callable")
        self._get = get_snapshot
        self._subscribe = subscribe
        self.store_id = store_id
        if get_server_snapshot is not None:
            self.get_server_snapshot = get_server_snapshot

    def get_snapshot(self) -> T:
        return self._get()

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        return self._subscribe(listener)


def from_callbacks(get_snapshot: Callable[[], T], subscribe: Callable[[Listener], Callable[[], None]], *,
                   get_server_snapshot: Callable[[], T] | None = None, store_id: str | None = None) -> CallbackStore[T]:
    """An ExternalStore from a snapshot getter and a subscribe function (returning its unsubscribe)."""
    return CallbackStore(get_snapshot, subscribe, get_server_snapshot=get_server_snapshot, store_id=store_id)


class ValueStore(Generic[T]):
    """A value holder: `set(v)` / `update(fn)` notify the listeners when the value really changed."""

    def __init__(self, initial: T, *, store_id: str | None = None,
                 equals: Callable[[Any, Any], bool] = same_value) -> None:
        self._value = initial
        self._equals = equals
        self.store_id = store_id
        self._listeners = _Listeners(f"value store {store_id or ''}".strip())

    @property
    def subscriber_count(self) -> int:
        """How many listeners are subscribed."""
        return len(self._listeners.items)

    def __repr__(self) -> str:
        return f"<ValueStore {self._value!r}>"

    def get_snapshot(self) -> T:
        return self._value

    def set(self, value: T) -> None:
        if self._equals(self._value, value):
            return
        self._value = value
        self._listeners.notify()

    def update(self, fn: Callable[[T], T]) -> None:
        self.set(fn(self._value))

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        return self._listeners.add(listener)


def value_store(initial: T, *, store_id: str | None = None) -> ValueStore[T]:
    """A value holder you write yourself."""
    return ValueStore(initial, store_id=store_id)


class StreamStore(Generic[T]):
    """The latest item of an async iterable. Consumed by one task on the running loop while it has subscribers."""

    def __init__(self, source: AsyncIterable[T], initial: T, *, store_id: str | None = None) -> None:
        self._source = source
        self._value = initial
        self.store_id = store_id
        self.error: BaseException | None = None
        """What ended the stream with an error, if anything (the last value stays)."""
        self.done = False
        self._listeners = _Listeners(f"stream store {store_id or ''}".strip())
        self._task: asyncio.Task[None] | None = None

    def get_snapshot(self) -> T:
        return self._value

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        unsubscribe = self._listeners.add(listener)
        if self._task is None and not self.done:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                unsubscribe()
                raise ExternalStoreError(
                    "external_store::no_running_loop",
                    "a stream store is consumed by a task: subscribe to it (mount its module) with a loop running",
                ) from None
            self._task = loop.create_task(self._consume())

        def stop() -> None:
            unsubscribe()
            if not self._listeners.items and self._task is not None:
                self._task.cancel()
                self._task = None

        return stop

    async def _consume(self) -> None:
        try:
            async for item in self._source:
                self._value = item
                self._listeners.notify()
            self.done = True
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the store keeps its last value; the error is kept for whoever asks
            self.error = exc
            self.done = True
            log.warning("stream store %s ended with %s: %s", self.store_id or "", type(exc).__name__, exc)


def from_stream(source: AsyncIterable[T], *, initial: T = _MISSING, store_id: str | None = None) -> StreamStore[T]:
    """The latest item of an async iterable; `initial` is the value until the first item arrives (required)."""
    if initial is _MISSING:
        raise ExternalStoreError("external_store::missing_initial",
                                 "from_stream needs initial=...: a stream has no current value to read before its "
                                 "first item")
    if not hasattr(source, "__aiter__"):
        raise ExternalStoreError("external_store::invalid_store",
                                 f"from_stream needs an async iterable, not {type(source).__name__}")
    return StreamStore(source, initial, store_id=store_id)


class ModuleSource:
    """Another module's selector as a source (module-as-source). Resolved against a runtime when used."""

    def __init__(self, source: InstanceRef, query: ReadQuery) -> None:
        self.source = source
        self.query = query
        self._topic: SelectorTopic | None = None

    def __repr__(self) -> str:
        return f"<ModuleSource {self.query.selector_id} of {self.source!r}>"

    def resolve(self, kernel: Kernel, what: str) -> ModuleInstance:
        return resolve_instance(kernel, self.source, what)

    def _facade(self) -> SelectorTopic:
        if self._topic is None:
            source = self.source
            store = RuntimeStore.publishing(source) if isinstance(source, ModuleInstance) else None
            if store is None or not isinstance(source, ModuleInstance):
                raise ExternalStoreError(
                    "external_store::unresolvable_module_id",
                    f"from_module({self.source!r}) used directly needs a module instance, mounted (a name is resolved "
                    "only inside an external_store field)",
                )
            self._topic = store.select(source, self.query)
        return self._topic

    def get_snapshot(self) -> Any:
        return self._facade().get_snapshot()

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        return self._facade().subscribe(listener)


def from_module(source: InstanceRef, read: ReadQuery | Callable[[Any], Any],
                reads: Sequence[str | Sequence[str]] | None = None, *, selector_id: str | None = None) -> ModuleSource:
    """A module's selector as an ExternalStore (give `reads=` so the edge follows only what it reads)."""
    return ModuleSource(source, as_read_query(read, reads, selector_id))
