"""ExternalStores from Python's own sources of change: an object with a current value and a change notification,
and a service looked up by key (docs/rules/sources.md).

    from_observable(model.events.count, get=lambda: model.count)     # a psygnal signal (connect / disconnect)
    from_observable(subject)                                         # an observable with .value and subscribe()
    from_observable(get=read_temp, changed=sensor.on_change)         # any get / subscribe pair
    from_service("clock", select=lambda svc: svc.ticks)              # resolved when its field is wired

A notification is anything with `connect(cb)` (and `disconnect(cb)`), with `subscribe(cb)` (returning an unsubscribe
function or an object with `dispose()` / `unsubscribe()`), or a subscribe function itself; whatever it passes to the
callback is ignored (the store signals, the tick reads). The current value is `get()` when given, else the source's
`.value`, else its `get()`; without one the store fails at once with `external_store::missing_initial`. Every store
has a stable store id: the one given, else one derived from what it reads (`es_<fnv1a32>` for a service key,
`es_obs_u<n>` in creation order for an object, the same for the same object).

A service store is unresolved until an external-store field wires it: the runtime looks its key up among its
services (`Runtime(services={...})`, `rt.provide(key, service)`); a key that names no service, or a service that is
no store, fails the mount with `external_store::unresolved`, and so does reading the store directly.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any

from runtime.base.paths import fnv1a32_text, stable_stringify
from runtime.errors import ExternalStoreError
from runtime.fields.external_store import is_external_store
from runtime.sources.external_store import CallbackStore

__all__ = ["ServiceStore", "from_observable", "from_service", "resolve_service_store"]

Listener = Callable[[], None]
_MISSING: Any = object()
_anon_ids: weakref.WeakKeyDictionary[Any, str] = weakref.WeakKeyDictionary()
_pinned_ids: dict[int, tuple[Any, str]] = {}
"""Ids of sources that cannot be weakly referenced (a psygnal SignalInstance): kept with the source itself, so the
id cannot pass to another object."""
_anon_seq = 0


def _object_store_id(source: Any) -> str:
    global _anon_seq
    try:
        found = _anon_ids.get(source)
        weak = True
    except TypeError:
        pinned = _pinned_ids.get(id(source))
        found = pinned[1] if pinned is not None and pinned[0] is source else None
        weak = False
    if found is not None:
        return found
    _anon_seq += 1
    store_id = f"es_obs_u{_anon_seq}"
    if weak:
        _anon_ids[source] = store_id
    else:
        _pinned_ids[id(source)] = (source, store_id)
    return store_id


def _current_of(source: Any, get: Callable[[], Any] | None) -> Callable[[], Any]:
    if get is not None:
        if not callable(get):
            raise ExternalStoreError("external_store::invalid_store", f"get={get!r} is not callable")
        return get
    if source is not None and hasattr(source, "value"):
        return lambda: source.value
    if source is not None and callable(getattr(source, "get", None)):
        return source.get  # type: ignore[no-any-return]
    raise ExternalStoreError("external_store::missing_initial",
                             f"{source!r} has no current value: give get=... (a notification alone cannot be read)")


def _subscriber_of(notifier: Any) -> Callable[[Listener], Callable[[], None]]:
    connect, disconnect = getattr(notifier, "connect", None), getattr(notifier, "disconnect", None)
    if callable(connect):
        def by_signal(listener: Listener) -> Callable[[], None]:
            def slot(*_args: Any, **_kwargs: Any) -> None:
                listener()

            connect(slot)
            return (lambda: disconnect(slot)) if callable(disconnect) else (lambda: None)

        return by_signal
    subscribe = getattr(notifier, "subscribe", None)
    if not callable(subscribe):
        subscribe = notifier if callable(notifier) else None
    if subscribe is None:
        raise ExternalStoreError("external_store::invalid_store",
                                 f"{notifier!r} is no change notification (it needs connect() or subscribe())")

    def by_subscribe(listener: Listener) -> Callable[[], None]:
        handle = subscribe(lambda *_args, **_kwargs: listener())
        if callable(handle):
            return handle  # type: ignore[no-any-return]
        for name in ("dispose", "unsubscribe", "disconnect", "cancel"):
            stop = getattr(handle, name, None)
            if callable(stop):
                return stop  # type: ignore[no-any-return]
        return lambda: None

    return by_subscribe


def from_observable(source: Any = None, *, get: Callable[[], Any] | None = None, changed: Any = None,
                    store_id: str | None = None) -> CallbackStore[Any]:
    """An ExternalStore from an object with a current value and a change notification (see the module
    docstring): `source` is the notification (and the value's holder) unless `changed` names the notification."""
    notifier = changed if changed is not None else source
    if notifier is None:
        raise ExternalStoreError("external_store::invalid_store", "from_observable needs a source or changed=...")
    current = _current_of(source, get)
    subscribe = _subscriber_of(notifier)
    return CallbackStore(current, subscribe, store_id=store_id or _object_store_id(notifier))


class ServiceStore:
    """An ExternalStore named by a service key, unresolved until an external-store field wires it."""

    def __init__(self, key: str, select: Callable[[Any], Any] | None, store_id: str | None) -> None:
        self.key = key
        self.select = select
        self.store_id = store_id or f"es_{fnv1a32_text(stable_stringify({'kind': 'service', 'tagId': key})):08x}"

    def __repr__(self) -> str:
        return f"<ServiceStore {self.key!r}>"

    def _unresolved(self) -> ExternalStoreError:
        return ExternalStoreError("external_store::unresolved",
                                  f"service store {self.key!r} is unresolved: use it in an external_store field of "
                                  "a runtime that provides the service")

    def get_snapshot(self) -> Any:
        raise self._unresolved()

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        raise self._unresolved()


def from_service(key: str, *, select: Callable[[Any], Any] | None = None,
                 store_id: str | None = None) -> ServiceStore:
    """The store of the service registered under `key` (`select(service)` when the store is a part of it)."""
    if not isinstance(key, str) or not key:
        raise ExternalStoreError("external_store::unresolved",
                                 f"from_service needs a non-empty service key to build a stable store id, not {key!r}")
    if select is not None and not callable(select):
        raise ExternalStoreError("external_store::invalid_store", f"select={select!r} is not callable")
    return ServiceStore(key, select, store_id)


def resolve_service_store(store: ServiceStore, services: dict[str, Any], what: str) -> Any:
    """The store a ServiceStore names among `services`, keeping its store id."""
    if store.key not in services:
        known = ", ".join(sorted(services)) or "none"
        raise ExternalStoreError("external_store::unresolved",
                                 f"{what}: no service {store.key!r} in this runtime (services: {known})")
    service = services[store.key]
    target = store.select(service) if store.select is not None else service
    if not is_external_store(target):
        try:
            target = from_observable(target)
        except ExternalStoreError as err:
            raise ExternalStoreError("external_store::unresolved",
                                     f"{what}: service {store.key!r} gives no store ({err})") from None
    return CallbackStore(target.get_snapshot, target.subscribe, store_id=store.store_id)
