"""The external inputs of one instance: its external-store fields, read and written together in a tick.

The fields of an instance that signalled before a tick are read once each (outside any window) and every value that
changed is written in **one** transaction (origin `field-external-store`, named after the first field, `details`
listing them all when there are several), so a fan-out from one source commit (module-as-source fields of one
target, say) is one target commit per tick (docs/rules/sources.md). When that write is urgent it also carries every
value still held in a coalescing window of the instance into its own commit: one commit, never an intermediate
state in history. Its priority is low (`lowPriority`) only when every field it writes is non-urgent.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from runtime.base.paths import FieldPath
from runtime.errors import TickscopeError
from runtime.fields.external_store import OWNER_ORIGIN

if TYPE_CHECKING:
    from runtime.kernel.instance import ModuleInstance
    from runtime.kernel.kernel import Kernel
    from runtime.ticks.ports import InputSink

__all__ = ["FieldInput", "InstanceInputs", "NO_CHANGE"]

NO_CHANGE: Any = object()
"""What a field's read returns when the field already holds the store's value."""


class FieldInput(Protocol):
    """One external-store field of the instance, as its inputs read it (an FieldInput)."""

    path: FieldPath
    path_text: str
    window_pending: bool
    emit_site: Mapping[str, Any] | None
    """Where its store last emitted from (diagnostics full): the write of that value records it."""

    @property
    def trigger(self) -> tuple[str, str, str]: ...

    urgent: bool

    def read_change(self) -> Any:
        """The store's value when it differs from the field's, else NO_CHANGE."""
        ...

    def cancel_window(self) -> None: ...


def _write_one(path: FieldPath, value: Any) -> Callable[[Any], None]:
    if len(path) == 1:  # the common case, a top-level field: no walk (every emit)
        key = path[0]

        def write_top(draft: Any) -> None:
            draft[key] = value

        return write_top
    return _write([(path, value)])


def _write(writes: list[tuple[FieldPath, Any]]) -> Callable[[Any], None]:
    def body(draft: Any) -> None:
        for path, value in writes:
            node = draft
            for seg in path[:-1]:
                if seg not in node:
                    node[seg] = {}
                node = node[seg]
            node[path[-1]] = value

    return body


class InstanceInputs:
    """The ExternalInput of one instance's external-store fields (see the module docstring)."""

    def __init__(self, kernel: Kernel, inputs: InputSink, inst: ModuleInstance) -> None:
        self.kernel = kernel
        self.inputs = inputs
        self.inst = inst
        self.bindings: Sequence[FieldInput] = ()
        self._signalled: dict[FieldInput, None] = {}

    def __repr__(self) -> str:
        return f"<InstanceInputs {self.inst.instance_id}: {', '.join(b.path_text for b in self.bindings)}>"

    @property
    def triggers(self) -> tuple[tuple[str, str, str], ...]:
        return tuple(b.trigger for b in self._signalled)

    def signal(self, binding: FieldInput) -> None:
        self._signalled[binding] = None
        self.inputs.mark_input(self)

    def note_timer(self) -> None:
        self.inputs.note_timer()

    def start(self) -> None:
        """The first read of every field, right after they subscribed (never inside a window: then in a tick)."""
        for binding in self.bindings:
            self._signalled[binding] = None
        if self.kernel.in_transaction:
            self.inputs.mark_input(self)
        else:
            self.pull()

    def pull(self) -> None:
        signalled, self._signalled = self._signalled, {}
        if self.inst.disposed:
            return
        if len(signalled) == 1 and len(self.bindings) == 1:  # one field: nothing to gather or carry (every emit)
            (binding,) = signalled
            value = binding.read_change()
            if value is not NO_CHANGE:
                self._transact(_write_one(binding.path, value), binding.path_text, None, binding.urgent,
                               binding.emit_site)
            return
        writes: list[tuple[FieldInput, Any]] = []
        urgent = False
        for binding in signalled:
            value = binding.read_change()
            if value is not NO_CHANGE:
                writes.append((binding, value))
                urgent = urgent or binding.urgent
        if not writes:
            return
        if urgent and len(self.bindings) > 1:
            for binding in self.bindings:
                if binding.window_pending and binding not in signalled:
                    binding.cancel_window()
                    value = binding.read_change()
                    if value is not NO_CHANGE:
                        writes.append((binding, value))
        details = {"fields": [b.path_text for b, _ in writes]} if len(writes) > 1 else None
        self._transact(_write([(b.path, v) for b, v in writes]), writes[0][0].path_text, details, urgent,
                       writes[0][0].emit_site)

    def _transact(self, body: Callable[[Any], None], name: str, details: dict[str, Any] | None, urgent: bool,
                  site: Mapping[str, Any] | None) -> None:
        try:  # not contextlib.suppress: that is three Python calls on every emit
            self.inst.transact(body, origin_kind=OWNER_ORIGIN, origin_name=name, details=details,
                               reason="field-external-store", priority="normal" if urgent else "low",
                               commit_mode="normal" if urgent else "lowPriority", call_site=site)
        except TickscopeError:
            return  # the kernel reported the failed write as a diagnostic; the fields keep their committed values
