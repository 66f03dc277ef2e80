"""tickscope runtime: modules, transactions, derived fields and converge, ticks and topic facades, external stores
and declarative links, async actions and backend operations, with a debug sink. No Qt here.

This is the user API. The layers below it (runtime.base, kernel, ticks, sources, ...) are the implementation;
runtime.actions, runtime.operations, runtime.trace, runtime.inspect and runtime.testing are faces of their own.
"""

from runtime.actions import ActionCoordinator, action
from runtime.base.field_decl import FieldDecl
from runtime.base.links import is_fallback_link
from runtime.base.records import ConvergeRecord, PatchRecord, TxnOrigin, TxnRecord
from runtime.converge.config import ConvergeConfig, ConvergeSampling
from runtime.debug.e2e import E2ECommit, E2EConfig, E2ERecorder
from runtime.errors import (
    ActionError,
    AsyncEscapeError,
    DefinitionError,
    ExternalOwnedWriteError,
    ExternalStoreError,
    FieldConfigError,
    PayloadTypeError,
    OptimisticError,
    ReducerError,
    ResourceError,
    SchedulingError,
    TickscopeError,
    TimeTravelUnavailable,
    TopicKeyError,
    TransactionError,
    UnknownActionError,
)
from runtime.fields import Rule, RowsRule, check, check_list, computed, external_store, link, source
from runtime.kernel.instance import ModuleInstance
from runtime.kernel.module import Module
from runtime.kernel.payload import PayloadType
from runtime.operations import OperationTracker
from runtime.resources import ResourceCache, ResourceDef, resource, resource_key
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
from runtime.sources.observable_store import ServiceStore, from_observable, from_service
from runtime.sources.source_fields import IDLE as SOURCE_IDLE
from runtime.sources.source_fields import SourceController, attach_sources
from runtime.ticks.read_query import ReadQuery, read_query
from runtime.ticks.scheduler import TickConfig
from runtime.ticks.store import SelectorTopic, TopicFacade
from runtime.ticks.telemetry import DegradedTick, TickTelemetry

__all__ = [
    "ActionCoordinator",
    "ActionError",
    "AsyncEscapeError",
    "CallbackStore",
    "ConvergeConfig",
    "ConvergeRecord",
    "ConvergeSampling",
    "DeclarativeLink",
    "DeclarativeLinks",
    "DefinitionError",
    "DegradedTick",
    "E2ECommit",
    "E2EConfig",
    "E2ERecorder",
    "ExternalOwnedWriteError",
    "ExternalStore",
    "ExternalStoreError",
    "FieldConfigError",
    "FieldDecl",
    "Module",
    "ModuleInstance",
    "ModuleSource",
    "OperationTracker",
    "OptimisticError",
    "PatchRecord",
    "PayloadType",
    "PayloadTypeError",
    "ReadQuery",
    "ReducerError",
    "ResourceCache",
    "ResourceDef",
    "ResourceError",
    "RowsRule",
    "Rule",
    "Runtime",
    "SOURCE_IDLE",
    "SchedulingError",
    "SelectorTopic",
    "ServiceStore",
    "SourceController",
    "StreamStore",
    "TickConfig",
    "TickTelemetry",
    "TickscopeError",
    "TimeTravelUnavailable",
    "TopicFacade",
    "TopicKeyError",
    "TransactionError",
    "TxnOrigin",
    "TxnRecord",
    "UnknownActionError",
    "ValueStore",
    "action",
    "attach_sources",
    "check",
    "check_list",
    "computed",
    "external_store",
    "from_callbacks",
    "from_module",
    "from_observable",
    "from_service",
    "from_stream",
    "is_fallback_link",
    "link",
    "read_query",
    "resource",
    "resource_key",
    "source",
    "value_store",
]
