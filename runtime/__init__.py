"""tickscope runtime: modules, transactions, derived fields and converge, ticks and topic facades, external stores
and declarative links, with a debug sink. No Qt here."""

from .converge.config import ConvergeConfig
from .debug.hub import DebugHub
from .errors import (
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
from .external_store import (
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
from .fields import FieldDecl, Rule, check, computed, external_store, link
from .instance import ModuleInstance, TimeTravelUnavailable
from .links import DeclarativeLink, DeclarativeLinks
from .module import Module
from .paths import DirtySet, FieldPathRegistry, fnv1a32_ids
from .read_query import ReadQuery, read_query
from .records import ConvergeRecord, PatchRecord, TxnOrigin, TxnRecord
from .runtime import Runtime
from .scheduler import SchedulingError, TickConfig, TickScheduler
from .store import RuntimeStore, SelectorTopic, TopicKeyError, TopicStore, parse_topic_key

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
