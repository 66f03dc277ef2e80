"""tickscope runtime: modules, transactions, derived fields and converge, with a debug sink. No Qt here."""

from .converge.config import ConvergeConfig
from .debug.hub import DebugHub
from .errors import (
    AsyncEscapeError,
    DefinitionError,
    FieldConfigError,
    ReducerError,
    TickscopeError,
    TransactionError,
    UnknownActionError,
)
from .fields import FieldDecl, Rule, check, computed, link
from .instance import ModuleInstance, TimeTravelUnavailable
from .module import Module
from .paths import DirtySet, FieldPathRegistry, fnv1a32_ids
from .records import ConvergeRecord, PatchRecord, TxnOrigin, TxnRecord
from .runtime import Runtime

__all__ = [
    "AsyncEscapeError",
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
