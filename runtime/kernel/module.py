"""Module definitions: initial state, reducers, derived fields.

    counter = Module("counter", initial={"count": 0, "doubled": 0})

    @counter.reducer("add")
    def add(draft, amount):
        draft["count"] += amount

    counter.fields.append(computed("doubled", deps=["count"], derive=lambda c: c * 2))

A reducer receives the draft and the action's payload and writes through the draft (or returns a whole new state).
A reducer may declare the type of its payload (the annotation of its second parameter, or `payload=`; see
payload.py): a dispatch whose payload does not match is refused before the reducer runs. The module's shape
(FieldPathId table and converge IR) is built when the first instance mounts, and refused there
with a FieldConfigError when its derived fields form a cycle or two of them write one field.
"""

from __future__ import annotations

import copy
import inspect
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from runtime.base.dirty import PathClassifier
from runtime.base.field_decl import FieldDecl, as_field_path
from runtime.base.paths import WILDCARD, FieldPath, FieldPathRegistry
from runtime.base.state_access import compile_reader
from runtime.converge.ir import StaticIr, build_static_ir
from runtime.errors import DefinitionError
from runtime.kernel.import_path import definition_site
from runtime.kernel.payload import PayloadType, payload_type_of

__all__ = ["Module", "Reducer", "ModuleShape"]

Reducer = Callable[[Any, Any], Any]
_MAX_SHAPE_NODES = 200_000


@dataclass(frozen=True, slots=True)
class ModuleShape:
    """What is fixed for one set of declarations: the path table, the converge IR and the path classifier."""

    registry: FieldPathRegistry
    ir: StaticIr
    classifier: PathClassifier
    owned: tuple[tuple[FieldPath, str, Callable[[Any], Any]], ...] = ()
    """(path, owner origin kind, reader) of fields only their owning writer may change (e.g. external stores)."""


class Module:
    """A module definition. Mount it in a Runtime to get instances."""

    def __init__(
        self,
        module_id: str,
        initial: Mapping[str, Any],
        *,
        reducers: Mapping[str, Reducer] | None = None,
        payloads: Mapping[str, object] | None = None,
        fields: Iterable[FieldDecl] = (),
        paths: Iterable[str | Sequence[str]] = (),
    ) -> None:
        if not isinstance(module_id, str) or not module_id or "::" in module_id:
            raise DefinitionError(f"module id {module_id!r} must be a non-empty string without '::'")
        if not isinstance(initial, Mapping):
            raise DefinitionError(
                f"module {module_id!r}: the initial state must be a dict, not {type(initial).__name__}"
            )
        self.id = module_id
        self.initial: dict[str, Any] = copy.deepcopy(dict(initial))
        self.reducers: dict[str, Reducer] = dict(reducers or {})
        self._declared: dict[str, object] = dict(payloads or {})
        """Payload types given explicitly (`payloads=`, `reducer(payload=...)`), by action type."""
        self._payload_types: dict[str, tuple[Reducer, PayloadType | None]] = {}
        for action in self.reducers:
            self.payload_type(action)  # a type that cannot be checked is refused here, not at the first dispatch
        self.fields: list[FieldDecl] = list(fields)
        self.extra_paths: list[FieldPath] = [as_field_path(p, f"module {module_id!r} path") for p in paths]
        self._site = definition_site(self, sys._getframe(1))  # noqa: SLF001 (the caller's frame names the definition site; inspect.stack would read every file)

    @property
    def import_path(self) -> str | None:
        """`package.file:name` of the function that built this module or the global that holds it; None when it
        cannot be imported by name (built in `__main__` or in a nested function). A trace records it at mount."""
        return self._site.import_path(self) if self._site is not None else None

    def reducer(self, action_type: str | None = None, *,
                payload: object = inspect.Parameter.empty) -> Callable[[Reducer], Reducer]:
        """Register a reducer for `action_type` (default: the function's name). Its payload type is `payload` when
        given (a type, or a validator callable), else the annotation of its second parameter, if any."""

        def register(fn: Reducer) -> Reducer:
            action = action_type or fn.__name__
            self.reducers[action] = fn
            if payload is not inspect.Parameter.empty:
                self._declared[action] = payload
            self.payload_type(action)
            return fn

        return register

    def payload_type(self, action_type: str) -> PayloadType | None:
        """The payload type `action_type`'s reducer declares (None: any payload). Raises KeyError for an action
        with no reducer, DefinitionError for a type that cannot be checked."""
        fn = self.reducers[action_type]
        known = self._payload_types.get(action_type)
        if known is not None and known[0] is fn:
            return known[1]
        where = f"module {self.id!r} action {action_type!r}"
        ptype = payload_type_of(fn, self._declared.get(action_type, inspect.Parameter.empty), where)
        self._payload_types[action_type] = (fn, ptype)
        return ptype

    def action_schemas(self) -> dict[str, dict[str, Any]]:
        """Every action type with its payload type as JSON (`{}` for an action that takes any payload), sorted."""
        out: dict[str, dict[str, Any]] = {}
        for action in sorted(self.reducers):
            ptype = self.payload_type(action)
            out[action] = {} if ptype is None else {"payload": ptype.schema}
        return out

    def build_shape(self, fields: Sequence[FieldDecl] | None = None) -> ModuleShape:
        """Build (and validate) the shape for the given declarations (default: the module's own)."""
        decls = list(self.fields if fields is None else fields)
        for d in decls:
            if not isinstance(d, FieldDecl):
                raise DefinitionError(f"module {self.id!r}: {d!r} is not a field declaration")
        paths = set(_state_paths(self.initial))
        paths.update(self.extra_paths)
        for d in decls:
            paths.add(d.target)
            paths.update(d.deps)
            _check_target_reachable(self.id, self.initial, d)
        registry = FieldPathRegistry.build(paths)
        ir = build_static_ir(self.id, registry, decls)
        owned = tuple((d.target, str(d.options["owner_origin"]), compile_reader(d.target))
                      for d in decls if d.options.get("owner_origin"))
        return ModuleShape(registry, ir, PathClassifier(registry), owned)


def _state_paths(initial: dict[str, Any]) -> list[FieldPath]:
    """Every index-free path of the initial state (list items contribute their keys to the list's path)."""
    out: list[FieldPath] = []
    stack: list[tuple[FieldPath, Any]] = [((), initial)]
    seen = 0
    while stack:
        path, node = stack.pop()
        seen += 1
        if seen > _MAX_SHAPE_NODES:
            break
        if isinstance(node, dict):
            for key, value in node.items():
                if not isinstance(key, str) or not key or key == WILDCARD:
                    continue  # keys that cannot be field names are left to dirty-all rules at write time
                child = (*path, key)
                out.append(child)
                stack.append((child, value))
        elif isinstance(node, list):
            for item in node:
                stack.append((path, item))
    return out


def _check_target_reachable(module_id: str, initial: dict[str, Any], decl: FieldDecl) -> None:
    node: Any = initial
    for i, seg in enumerate(decl.target[:-1]):
        if not isinstance(node, dict):
            break
        node = node.get(seg)
        if isinstance(node, list):
            where = ".".join(decl.target[: i + 1])
            raise DefinitionError(
                f"module {module_id!r}: {decl.name} writes through the list {where!r}; "
                "derived fields are written at dict paths (derive a value from the list instead)"
            )
