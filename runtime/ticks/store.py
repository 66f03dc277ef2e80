"""RuntimeStore: the one published view of a runtime's module states, versioned per topic, with topic facades.

    facade = rt.store.topic("form::form#1")            # module topic `moduleId::instanceId`
    facade.get_snapshot()                               # the state published by the latest tick
    unsubscribe = facade.subscribe(on_change)           # on_change() once per tick that changed the topic
    name = rt.store.select(inst, lambda s: s["name"], reads=["name"])   # selector topic `...::rq:<selectorId>`

What a reader sees only changes when a tick commits (`tick_seq` + 1): a commit of an instance is published by the
next tick, all accepted instances at once, so two reads made while `tick_seq` is unchanged always agree. A topic's
snapshot changes only together with its version. Listeners are called with no arguments (read `get_snapshot()`),
once per tick that changed their topic; a topic's listeners are a set (subscribing the same one twice registers it
once, and either unsubscribe removes it); the listener lists of all changed topics are copied before the first one
runs, so subscribing or unsubscribing inside a listener applies from the next tick; a listener that raises is
reported (`runtime_store::listener_threw`) and the others still run.

A selector topic runs its selector only in ticks whose commits touched one of its declared reads (a selector
without declared reads runs on every commit of its module), and bumps its version only when the value changed
(by its `equals`). A selector topic without subscribers is not evaluated by ticks; reading it re-evaluates it
against the published state, which is the same at a given tick_seq.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from runtime.base.frozen import fast_init
from runtime.base.paths import FieldPath
from runtime.errors import DefinitionError, TopicKeyError
from runtime.ticks.read_query import ReadQuery, as_read_query

if TYPE_CHECKING:
    from runtime.kernel.instance import ModuleInstance

__all__ = ["RuntimeStore", "TopicFacade", "SelectorTopic", "TopicKey", "TopicKeyError", "parse_topic_key",
           "module_key", "Listener", "PublishedModule"]

Listener = Callable[[], None]
_SELECTOR_PREFIX = "rq:"
_publisher_of: weakref.WeakKeyDictionary[ModuleInstance, RuntimeStore] = weakref.WeakKeyDictionary()


@dataclass(frozen=True, slots=True)
class TopicKey:
    module_id: str
    instance_id: str
    selector_id: str | None = None

    @property
    def module_key(self) -> str:
        return f"{self.module_id}::{self.instance_id}"

    def __str__(self) -> str:
        mk = self.module_key
        return mk if self.selector_id is None else f"{mk}::{_SELECTOR_PREFIX}{self.selector_id}"


def module_key(module_id: str, instance_id: str) -> str:
    return f"{module_id}::{instance_id}"


def parse_topic_key(key: Any) -> TopicKey | None:
    """`moduleId::instanceId` or `moduleId::instanceId::rq:selectorId`; None when the key is neither."""
    if not isinstance(key, str):
        return None
    parts = key.split("::")
    if len(parts) == 2 and all(parts):
        return TopicKey(parts[0], parts[1])
    if len(parts) == 3 and parts[0] and parts[1] and parts[2].startswith(_SELECTOR_PREFIX):
        sid = parts[2][len(_SELECTOR_PREFIX):]
        if sid:
            return TopicKey(parts[0], parts[1], sid)
    return None


@fast_init
@dataclass(frozen=True, slots=True)
class PublishedModule:
    """One module instance accepted by a tick: its latest committed state and what its commits touched."""

    key: str
    state: Any
    low_priority: bool
    """Every commit carried for it had priority low: its listeners may be told a little later."""
    paths: tuple[FieldPath, ...] | None
    """The dirty root paths of those commits; None when some commit dirtied everything."""
    removed: bool = False


class TopicFacade:
    """The ExternalStore facade of one topic: `get_snapshot()`, `subscribe(listener) -> unsubscribe`."""

    __slots__ = ("key", "module_key", "_store", "__weakref__")

    def __init__(self, store: RuntimeStore, key: str, mkey: str) -> None:
        self.key = key
        self.module_key = mkey
        """The module topic this topic reads (itself for a module topic)."""
        self._store = store

    def __repr__(self) -> str:
        return f"<TopicFacade {self.key} v{self.version}>"

    def get_snapshot(self) -> Any:
        """The module state published by the latest tick (None before the instance mounts or after it unmounts)."""
        return self._store.published_state(self.module_key)

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call `listener()` after every tick that changed this topic; returns the unsubscribe function."""
        return self._store.subscribe(self, listener)

    @property
    def version(self) -> int:
        """Bumped by each tick that changed this topic's snapshot."""
        return self._store.version(self.key)

    @property
    def tick_seq(self) -> int:
        return self._store.tick_seq

    def first_listener_added(self) -> None:
        """The topic got its first listener (a selector topic then joins the ticks' evaluation)."""

    def last_listener_removed(self) -> None:
        """The topic lost its last listener."""


class SelectorTopic(TopicFacade):
    """A topic whose snapshot is a selector's value over one module's published state."""

    __slots__ = ("query", "_value", "_evaluated_at")

    def __init__(self, store: RuntimeStore, key: str, mkey: str, query: ReadQuery) -> None:
        super().__init__(store, key, mkey)
        self.query = query
        self._value: Any = None
        self._evaluated_at = -1
        """The module topic version the value was computed (or confirmed untouched) at."""

    def get_snapshot(self) -> Any:
        store = self._store
        if self._evaluated_at != store.version(self.module_key):
            store.refresh_selector(self, None)
        return self._value

    def reevaluate(self, state: Any, module_version: int, paths: tuple[FieldPath, ...] | None | Literal[False],
                   on_error: Callable[[SelectorTopic, Exception], None] | None) -> bool:
        """Bring the value up to `state` (published at `module_version`); True when a later value changed.

        `paths` are the paths the tick's commits touched (None: everything); False means unknown (a lazy read), and
        the selector then runs whatever it reads. The first evaluation sets the value without counting as a change.
        """
        if paths is not False and paths is not None and not self.query.touches(paths):
            self._evaluated_at = module_version
            return False
        first = self._evaluated_at < 0
        self._evaluated_at = module_version
        if state is None:
            new = None
        else:
            try:
                new = self.query.select(state)
            except Exception as exc:  # a failing selector keeps its last value; the rest of the tick goes on
                if on_error is not None:
                    on_error(self, exc)
                return False
        if not first and self.query.equals(self._value, new):
            return False
        self._value = new
        return not first

    def first_listener_added(self) -> None:
        self.get_snapshot()  # catch up with the published state before ticks take over
        self._store.attach_selector(self)

    def last_listener_removed(self) -> None:
        self._store.detach_selector(self)


class RuntimeStore:
    """tickSeq, published module states, topic versions and listeners of one runtime."""

    def __init__(self) -> None:
        self.tick_seq = 0
        self._states: dict[str, Any] = {}
        self._versions: dict[str, int] = {}
        self._listeners: dict[str, list[Listener]] = {}
        self._facades: weakref.WeakValueDictionary[str, TopicFacade] = weakref.WeakValueDictionary()
        self.attached: dict[str, dict[str, SelectorTopic]] = {}
        """Selector topics with listeners, by module key: the ones ticks evaluate (held strongly). Read-only outside
        the store."""
        self._anon = 0
        self.on_listener_error: Callable[[str, Listener, Exception], None] | None = None
        self.on_selector_error: Callable[[SelectorTopic, Exception], None] | None = None

    # -- facades ----------------------------------------------------------------------------------------------------

    def topic(self, key: str | ModuleInstance) -> TopicFacade:
        """The facade of a topic key (or of a module instance's topic); the same object for the same key."""
        if not isinstance(key, str):
            key = module_key(key.module_id, key.instance_id)
        facade = self._facades.get(key)
        if facade is not None:
            return facade
        parsed = parse_topic_key(key)
        if parsed is None:
            raise TopicKeyError(f"topic key {key!r} is neither 'moduleId::instanceId' nor "
                                "'moduleId::instanceId::rq:selectorId'")
        if parsed.selector_id is not None:
            raise TopicKeyError(f"no selector topic {key!r}: create it with "
                                "store.select(instance, selector, reads=...)")
        facade = TopicFacade(self, key, key)
        self._facades[key] = facade
        return facade

    def select(
        self,
        source: str | ModuleInstance,
        read: ReadQuery | Callable[[Any], Any],
        reads: Sequence[str | Sequence[str]] | None = None,
        *,
        selector_id: str | None = None,
    ) -> SelectorTopic:
        """The selector topic of `read` over a module instance (or a `moduleId::instanceId` key).

        The same selector id over the same instance gives the same facade; a selector without a stable id (a closure,
        see runtime.ticks.read_query) gets a fresh topic each call, so keep the facade you get.
        """
        query = as_read_query(read, reads, selector_id)
        mkey = source if isinstance(source, str) else module_key(source.module_id, source.instance_id)
        parsed = parse_topic_key(mkey)
        if parsed is None or parsed.selector_id is not None:
            raise TopicKeyError(f"{mkey!r} is not a module topic key 'moduleId::instanceId'")
        sid = query.selector_id
        if sid is None:
            self._anon += 1
            sid = f"anon{self._anon}"
        key = f"{mkey}::{_SELECTOR_PREFIX}{sid}"
        existing = self._facades.get(key)
        if isinstance(existing, SelectorTopic):
            return existing
        if existing is not None:
            raise DefinitionError(f"topic {key!r} exists and is not a selector topic")
        facade = SelectorTopic(self, key, mkey, query)
        self._facades[key] = facade
        self._versions.setdefault(key, 0)
        return facade

    # -- reading ----------------------------------------------------------------------------------------------------

    def version(self, key: str) -> int:
        return self._versions.get(key, 0)

    def published_state(self, mkey: str) -> Any:
        """The state the latest tick published for a module topic (None when there is none)."""
        return self._states.get(mkey)

    def module_keys(self) -> list[str]:
        """Keys of the module topics with a published state."""
        return list(self._states)

    def has_listeners(self, key: str) -> bool:
        if self._listeners.get(key):
            return True
        return bool(self.attached.get(key))

    # -- registration (called by the runtime) -----------------------------------------------------------------------

    def register_instance(self, inst: ModuleInstance) -> None:
        """Publish a freshly mounted instance's state (its first topic version is 0)."""
        mkey = module_key(inst.module_id, inst.instance_id)
        self._states[mkey] = inst.state
        self._versions.setdefault(mkey, 0)
        _publisher_of[inst] = self

    @staticmethod
    def publishing(inst: ModuleInstance) -> RuntimeStore | None:
        """The store that publishes `inst` (the one of the runtime it was mounted in), if any."""
        return _publisher_of.get(inst)

    # -- subscriptions ----------------------------------------------------------------------------------------------

    def subscribe(self, facade: TopicFacade, listener: Listener) -> Callable[[], None]:
        """Add a listener of `facade`'s topic (facades call this); returns the unsubscribe function."""
        if not callable(listener):
            raise TypeError(f"listener {listener!r} of topic {facade.key!r} is not callable")
        listeners = self._listeners.setdefault(facade.key, [])
        if not listeners:
            facade.first_listener_added()
        if listener not in listeners:  # a topic's listeners are a set: the same one twice is told once
            listeners.append(listener)
        done = False

        def unsubscribe() -> None:
            nonlocal done
            if done:
                return
            done = True
            current = self._listeners.get(facade.key)
            if current is None:
                return
            try:
                current.remove(listener)
            except ValueError:
                return
            if not current:
                del self._listeners[facade.key]
                facade.last_listener_removed()

        return unsubscribe

    # -- ticks (called by the scheduler) ----------------------------------------------------------------------------

    def attach_selector(self, topic: SelectorTopic) -> None:
        """Ticks evaluate `topic` from now on (it has listeners)."""
        self.attached.setdefault(topic.module_key, {})[topic.key] = topic

    def detach_selector(self, topic: SelectorTopic) -> None:
        attached = self.attached.get(topic.module_key)
        if attached is not None:
            attached.pop(topic.key, None)
            if not attached:
                del self.attached[topic.module_key]

    def refresh_selector(self, topic: SelectorTopic, paths: tuple[FieldPath, ...] | None | Literal[False]) -> bool:
        """Bring a selector topic up to the published state; True when its version was bumped."""
        mkey = topic.module_key
        bumped = topic.reevaluate(self._states.get(mkey), self._versions.get(mkey, 0), paths, self.on_selector_error)
        if bumped:
            self._versions[topic.key] = self._versions.get(topic.key, 0) + 1
        return bumped

    def commit_tick(self, tick_seq: int, accepted: Sequence[PublishedModule]) -> tuple[list[str], list[str]]:
        """Publish the accepted module states at `tick_seq`; returns the changed topics (urgent, low priority)."""
        self.tick_seq = tick_seq
        urgent: list[str] = []
        low: list[str] = []
        states = self._states
        versions = self._versions
        for mod in accepted:
            key = mod.key
            if mod.removed:
                states.pop(key, None)
            else:
                states[key] = mod.state
            versions[key] = versions.get(key, 0) + 1
            out = low if mod.low_priority else urgent
            if key in self._listeners:
                out.append(key)
            attached = self.attached.get(key)
            if attached:
                paths = None if mod.removed else mod.paths
                for topic in tuple(attached.values()):
                    if self.refresh_selector(topic, paths):
                        out.append(topic.key)
        return urgent, low

    def commit_one(self, tick_seq: int, key: str, state: Any,
                   paths: Callable[[], Sequence[FieldPath] | None] | None) -> list[str]:
        """commit_tick of one urgent module topic (the common tick); `paths` gives its dirty root paths, asked only
        when selector topics of it are attached. Returns the changed topics."""
        self.tick_seq = tick_seq
        self._states[key] = state
        versions = self._versions
        versions[key] = versions.get(key, 0) + 1
        changed = [key] if key in self._listeners else []
        attached = self.attached.get(key)
        if attached:
            found = None if paths is None else paths()
            touched = None if found is None else tuple(set(found))
            for topic in tuple(attached.values()):
                if self.refresh_selector(topic, touched):
                    changed.append(topic.key)
        return changed

    def bump_topic(self, key: str) -> bool:
        """Force a topic's version up (a dirty topic without a module commit); False when nobody listens."""
        self._versions[key] = self._versions.get(key, 0) + 1
        return key in self._listeners

    def listeners_of(self, topics: Sequence[str]) -> list[tuple[str, tuple[Listener, ...]]]:
        """The current listeners of each topic, copied (the snapshot a notification round works from)."""
        get = self._listeners.get
        out = []
        for key in topics:
            ls = get(key)
            if ls:
                out.append((key, tuple(ls)))
        return out

    def notify(self, batches: Sequence[tuple[str, tuple[Listener, ...]]]) -> int:
        """Call each listener of each snapshotted topic once; returns how many were called."""
        called = 0
        for key, listeners in batches:
            for listener in listeners:
                called += 1
                try:
                    listener()
                except Exception as exc:  # one listener must not keep the others from hearing about the tick
                    if self.on_listener_error is not None:
                        self.on_listener_error(key, listener, exc)
        return called
