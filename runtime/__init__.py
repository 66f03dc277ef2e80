"""tickscope runtime: modules, transactions, derived fields and converge, ticks and topic facades, external stores
and declarative links, with a debug sink. No Qt here."""

from runtime.base.paths import DirtySet, FieldPathRegistry, fnv1a32_ids
from runtime.base.records import ConvergeRecord, PatchRecord, TxnOrigin, TxnRecord
from runtime.converge.config import ConvergeConfig
from runtime.debug.hub import DebugHub
from runtime.errors import (
    AsyncEscapeError,
    DefinitionError,
    ExternalOwnedWriteError,
    ExternalStoreError,
    FieldConfigError,
    ReducerError,
    TickscopeError,
    TransactionError,
    UnknownActionError,
)
from runtime.fields import FieldDecl, Rule, check, computed, external_store, link
from runtime.kernel.instance import ModuleInstance, TimeTravelUnavailable
from runtime.kernel.module import Module
from runtime.runtime import Runtime
from runtime.sources.external_store import (
    CallbackStore,
    ExternalStore,
    ModuleSource,
    StreamStore,
    ValueStore,
    from_callbacks,
    from_module,
    from_stream,
    value_store,
)
from runtime.sources.links import DeclarativeLink, DeclarativeLinks
from runtime.ticks.read_query import ReadQuery, read_query
from runtime.ticks.scheduler import SchedulingError, TickConfig, TickScheduler
from runtime.ticks.store import RuntimeStore, SelectorTopic, TopicKeyError, TopicStore, parse_topic_key

__all__ = [
    "AsyncEscapeError",
    "CallbackStore",
    "DeclarativeLink",
    "DeclarativeLinks",
    "ExternalOwnedWriteError",
    "ExternalStore",
    "ExternalStoreError",
    "ModuleSource",
    "ReadQuery",
    "RuntimeStore",
    "SchedulingError",
    "SelectorTopic",
    "StreamStore",
    "TickConfig",
    "TickScheduler",
    "TopicKeyError",
    "TopicStore",
    "ValueStore",
    "external_store",
    "from_callbacks",
    "from_module",
    "from_stream",
    "parse_topic_key",
    "read_query",
    "value_store",
    "ConvergeConfig",
    "ConvergeRecord",
    "DebugHub",
    "DefinitionError",
    "DirtySet",
    "FieldConfigError",
    "FieldDecl",
    "FieldPathRegistry",
    "Module",
    "ModuleInstance",
    "PatchRecord",
    "ReducerError",
    "Rule",
    "Runtime",
    "TickscopeError",
    "TimeTravelUnavailable",
    "TransactionError",
    "TxnOrigin",
    "TxnRecord",
    "UnknownActionError",
    "check",
    "computed",
    "fnv1a32_ids",
    "link",
]
