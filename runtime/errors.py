"""The typed errors the runtime raises. Each names the thing at fault (module, field path, transaction)."""

from __future__ import annotations

__all__ = [
    "TickscopeError",
    "DefinitionError",
    "FieldConfigError",
    "TransactionError",
    "ReducerError",
    "AsyncEscapeError",
    "UnknownActionError",
    "ExternalOwnedWriteError",
    "ExternalStoreError",
]


class TickscopeError(Exception):
    """Base of every error the runtime raises on purpose."""


class DefinitionError(TickscopeError):
    """A module definition is malformed (bad initial state, bad path, bad declaration)."""


class FieldConfigError(DefinitionError):
    """The derived fields of a module cannot be planned; nothing commits while this holds.

    `code` is `CYCLE_DETECTED` or `MULTIPLE_WRITERS`; `fields` names the field paths involved.
    """

    def __init__(self, code: str, module_id: str, fields: list[str], detail: str) -> None:
        self.code = code
        self.module_id = module_id
        self.fields = fields
        super().__init__(f"{code} in module {module_id!r}: {detail} (fields: {', '.join(fields)})")


class TransactionError(TickscopeError):
    """A transaction was aborted; the state of its instance is exactly as it was before."""

    code = "state_transaction::aborted"

    def __init__(self, message: str, *, txn_id: str, module_id: str, instance_id: str) -> None:
        self.txn_id = txn_id
        self.module_id = module_id
        self.instance_id = instance_id
        super().__init__(message)


class ReducerError(TransactionError):
    """A reducer raised; the transaction was aborted. The original exception is the `__cause__`."""

    code = "reducer::threw"


class AsyncEscapeError(TransactionError):
    """A reducer or derivation returned an awaitable: async work cannot run inside a transaction window.

    Write async flows as several entries: a pending transaction, the I/O, then a writeback transaction.
    """

    code = "state_transaction::async_escape"


class UnknownActionError(TickscopeError):
    """`dispatch` named an action type the module does not define."""


class ExternalOwnedWriteError(TransactionError):
    """A transaction wrote a field owned by an external store (or another owning writer); nothing was applied.

    `path` is the owned field, `owner` the origin kind allowed to write it. Keep overrides in a separate field and
    merge them with a computed field instead.
    """

    code = "external_store::owned_write"

    def __init__(self, message: str, *, txn_id: str, module_id: str, instance_id: str, path: str, owner: str) -> None:
        self.path = path
        self.owner = owner
        super().__init__(message, txn_id=txn_id, module_id=module_id, instance_id=instance_id)


class ExternalStoreError(TickscopeError):
    """An external store or a module-as-source/link declaration cannot work as given.

    `code` is one of `external_store::missing_initial`, `external_store::unresolvable_module_id`,
    `external_store::unstable_selector_id`, `external_store::no_running_loop`, `external_store::invalid_store`.
    """

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        super().__init__(f"{code}: {message}")
