"""Every error class of the runtime, in one tree under TickscopeError. Each names the thing at fault (module, field
path, transaction, operation, topic, frame).

    TickscopeError
      DefinitionError > FieldConfigError          a module, field, link or action declared wrongly
      TransactionError > ReducerError, AsyncEscapeError, ExternalOwnedWriteError
                                                  a transaction aborted; the state is as it was
      UnknownActionError, PayloadTypeError        a dispatch names no reducer, or a payload of the wrong type
      ExternalStoreError, NotTrackable, Ambiguous, TimeTravelUnavailable, UnknownFieldPath
      SchedulingError, TopicKeyError              ticks and topics
      ActionError                                 async action runs
      OperationOutcomeError > OperationRejected, OperationFailed, OperationTimedOut, OperationCancelled
      TrackerDisposed, NoTransport, TransportError    backend operations
      InspectError > ProtocolError > AuthRequired; CommandRefused    live inspection
      TraceFormatError > UnsupportedTraceVersion; LoadCancelled; PerfettoUnavailable    traces
"""

from __future__ import annotations

from typing import Protocol

__all__ = [
    "ActionError",
    "Ambiguous",
    "AsyncEscapeError",
    "AuthRequired",
    "CommandRefused",
    "DefinitionError",
    "ErrorDetail",
    "ExternalOwnedWriteError",
    "ExternalStoreError",
    "FieldConfigError",
    "InspectError",
    "LoadCancelled",
    "NoTransport",
    "NotTrackable",
    "OperationCancelled",
    "OperationFailed",
    "OperationOutcomeError",
    "OperationRejected",
    "OperationTimedOut",
    "OptimisticError",
    "OtelUnavailable",
    "PayloadTypeError",
    "PerfettoUnavailable",
    "ProtocolError",
    "ReducerError",
    "ResourceError",
    "SchedulingError",
    "TickscopeError",
    "TimeTravelUnavailable",
    "TopicKeyError",
    "TraceFormatError",
    "TrackerDisposed",
    "TransactionError",
    "TransportError",
    "UnknownActionError",
    "UnknownFieldPath",
    "UnsupportedTraceVersion",
]

StageName = str
"""An operation stage (runtime.operations.Stage is a StrEnum of them)."""


class ErrorDetail(Protocol):
    """Why an operation ended badly, as the backend or the tracker reported it (runtime.operations.OperationError)."""

    @property
    def code(self) -> str: ...
    @property
    def message(self) -> str: ...


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


class PayloadTypeError(TickscopeError):
    """A dispatch's payload does not have the type its reducer declares; the reducer did not run, nothing applied.

    `expected` is the declared type as text, `received` the payload as given (cut), `detail` where it differs.
    """

    code = "action::payload_mismatch"

    def __init__(self, *, module_id: str, action_type: str, expected: str, received: str, detail: str) -> None:
        self.module_id = module_id
        self.action_type = action_type
        self.expected = expected
        self.received = received
        self.detail = detail
        super().__init__(f"action {action_type!r} of module {module_id!r} expects {expected}; got {received} "
                         f"({detail})")


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


# -- field paths and time travel ---------------------------------------------------------------------------


class NotTrackable(TickscopeError, ValueError):
    """A path segment is neither a string nor an integer: the write cannot be mapped to a field path."""


class Ambiguous(TickscopeError, ValueError):
    """A path segment contains a dot: the same text would name two different paths."""


class TimeTravelUnavailable(TickscopeError, LookupError):
    """The transaction is not in the history, or its snapshots were not kept (they are at full diagnostics)."""


# -- ticks and topics -------------------------------------------------------------------------------------------


class SchedulingError(TickscopeError):
    """A tick was asked for where none can run (e.g. flush_now inside a transaction window)."""


class UnknownFieldPath(TickscopeError, LookupError):
    """A field path the module does not have (a typo in a test's assertion, say); names the path and the module's
    field paths."""

    def __init__(self, path: str, module_id: str, fields: list[str]) -> None:
        self.path = path
        self.module_id = module_id
        self.fields = fields
        shown = ", ".join(fields[:40]) + (f", … ({len(fields)} in all)" if len(fields) > 40 else "")
        super().__init__(f"module {module_id!r} has no field path {path!r}; its fields: {shown}")


class TopicKeyError(TickscopeError, KeyError):
    """A topic key does not parse, or names a selector topic that was never created."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


# -- async actions and backend operations ------------------------------------------------------------------------


class ActionError(TickscopeError):
    """An action was triggered or cancelled in a way that cannot work (named in the message)."""


class OptimisticError(ActionError):
    """An optimistic change was refused (outside a pending run, past the inverse's bounds, not through the draft);
    nothing of it was applied."""


class ResourceError(TickscopeError):
    """A resource was defined, read or invalidated in a way that cannot work (named in the message)."""


class OperationOutcomeError(TickscopeError):
    """An operation ended before the stage its submitter waited for. `stage_reached` is the last progress stage."""

    def __init__(self, message: str, *, command_id: str, stage: StageName, stage_reached: StageName,
                 error: ErrorDetail | None = None) -> None:
        self.command_id = command_id
        self.stage = stage
        self.stage_reached = stage_reached
        self.error = error
        super().__init__(message)


class OperationRejected(OperationOutcomeError):
    """The backend refused the write before accepting it."""


class OperationFailed(OperationOutcomeError):
    """The backend accepted the write and it failed afterwards."""


class OperationTimedOut(OperationOutcomeError):
    """The tracker's deadline passed before the awaited stage (or the runtime was disposed)."""


class OperationCancelled(OperationOutcomeError):
    """The backend confirmed a cancellation."""


class TransportError(TickscopeError):
    """No answer from the backend (retryable)."""


class TrackerDisposed(TickscopeError):
    """The tracker was disposed: it accepts no new operations."""


class NoTransport(TickscopeError):
    """`submit` was called on a tracker built without a transport (facts can only be applied by hand)."""


# -- live inspection ---------------------------------------------------------------------------------------------


class InspectError(TickscopeError):
    """Something went wrong between an inspector server and a client; `code` is one of ERROR_CODES or a client
    side code (`connection_lost`, `connect_failed`, `handshake_timeout`, `not_an_inspector`)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class ProtocolError(InspectError):
    """A frame broke the protocol; the server answers with an error frame naming it and closes that client."""


class AuthRequired(ProtocolError):
    """The token was missing or wrong."""


class CommandRefused(TickscopeError):
    """The command cannot run; the message is the ack's `reason`."""


# -- traces ------------------------------------------------------------------------------------------------------


class TraceFormatError(TickscopeError, ValueError):
    """The file is not a tickscope trace (or evidence package) at all."""


class UnsupportedTraceVersion(TraceFormatError):
    """The trace was written by a newer tickscope with a format this one cannot read."""


class LoadCancelled(TickscopeError):
    """The load was cancelled; the partial store was released."""


class PerfettoUnavailable(TickscopeError, ImportError):
    """The optional `perfetto` package is not installed (pip install 'tickscope[perfetto]')."""


class OtelUnavailable(TickscopeError, ImportError):
    """The optional OpenTelemetry packages are not installed (pip install 'tickscope[otel]')."""
