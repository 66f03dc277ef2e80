"""Payload types of actions: what a reducer declares it takes, checked before it runs.

    @counter.reducer("add")
    def add(draft, amount: int): ...                        # from the annotation of the payload parameter
    @form.reducer("set_customer", payload=CustomerEdit)     # or explicitly: a dataclass, a TypedDict, a simple type,
                                                            # unions, lists and dicts of those, Literal[...]
    @todos.reducer("pick", payload=lambda v: v in ("a", "b"))   # a validator callable for anything else

A type compiles once into a tree of small checkers (`PayloadType`). Checking returns the value the reducer gets:
the value itself, except that a JSON object given for a dataclass becomes that dataclass (a remote dispatch can
only send JSON). Each type also describes itself as JSON (`schema`, for the static IR, HELLO and the devtools'
Dispatch dialog) and as text (`text`, for messages); `PayloadType.from_schema` rebuilds a checker from the JSON, so
a viewer checks a payload with the same rules before sending it. A validator returns true to accept; false, or a
ValueError or TypeError it raises, refuses (its message is the reason).
"""

from __future__ import annotations

import dataclasses
import inspect
import types
from collections.abc import Callable, Iterable, Mapping, Sequence
from itertools import repeat
from typing import Annotated, Any, Literal, Union, get_args, get_origin, get_type_hints, is_typeddict

from runtime.base.quote import quoted
from runtime.errors import DefinitionError

__all__ = ["PayloadMismatch", "PayloadType", "payload_type_of"]

_MAX_DEPTH = 16
_SCALARS: dict[type, str] = {bool: "bool", int: "int", float: "float", str: "str", type(None): "none"}


class PayloadMismatch(Exception):
    """A value does not have the declared shape; `where` is the path inside the payload (`.field[2]`)."""

    def __init__(self, expected: str, got: object) -> None:
        super().__init__(expected)
        self.where, self.expected, self.got = "", expected, got

    def inside(self, step: str) -> PayloadMismatch:
        """The same mismatch seen from the container: `step` (`.field`, `[2]`) goes in front of the path. Paths are
        built only on failure, so a payload that fits costs no string."""
        self.where = step + self.where
        return self

    def __str__(self) -> str:
        return f"at {self.where or 'the payload'}: expected {self.expected}, got {quoted(self.got, 64)}"


class _Node:
    converts = False
    """Whether checking may return another object than it was given (a dict made into a dataclass)."""
    exact: type | None = None
    """A class whose every instance passes the check unchanged (a dispatch may then skip the call); None: no such."""

    def check(self, value: Any) -> Any:
        raise NotImplementedError

    def schema(self) -> dict[str, Any]:
        raise NotImplementedError

    def text(self) -> str:
        raise NotImplementedError


def _each(items: Iterable[tuple[_Node, Any]]) -> list[Any]:
    """Check the items of a list or tuple, each with its node; a mismatch names the index."""
    checked = []
    for i, (node, value) in enumerate(items):
        try:
            checked.append(node.check(value))
        except PayloadMismatch as mismatch:
            raise mismatch.inside(f"[{i}]") from None
    return checked


class _Any(_Node):
    def check(self, value: Any) -> Any:
        return value

    def schema(self) -> dict[str, Any]:
        return {"type": "any"}

    def text(self) -> str:
        return "any"


_SCALAR_EXACT: dict[str, type] = {kind: tp for tp, kind in _SCALARS.items()}


class _Scalar(_Node):
    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.exact = _SCALAR_EXACT.get(kind)

    def check(self, value: Any) -> Any:
        kind = self.kind
        ok = (value is None if kind == "none" else type(value) is bool if kind == "bool"
              else isinstance(value, str) if kind == "str"
              else isinstance(value, int) and type(value) is not bool if kind == "int"
              else isinstance(value, int | float) and type(value) is not bool)  # a JSON number is a float
        if not ok:
            raise PayloadMismatch(self.text(), value)
        return value

    def schema(self) -> dict[str, Any]:
        return {"type": self.kind}

    def text(self) -> str:
        return "None" if self.kind == "none" else self.kind


class _Class(_Node):
    """A class that is neither simple, a dataclass nor a TypedDict: an instance of it (JSON never is one)."""

    def __init__(self, cls: type) -> None:
        self.cls = cls

    def check(self, value: Any) -> Any:
        if not isinstance(value, self.cls):
            raise PayloadMismatch(self.text(), value)
        return value

    def schema(self) -> dict[str, Any]:
        return {"type": "class", "name": self.cls.__qualname__}

    def text(self) -> str:
        return f"a {self.cls.__qualname__} object"


class _Named(_Node):
    """A class known by name only (rebuilt from a schema): a viewer cannot check it, the runtime will."""

    def __init__(self, schema: dict[str, Any]) -> None:
        self._schema = schema

    def check(self, value: Any) -> Any:
        return value

    def schema(self) -> dict[str, Any]:
        return dict(self._schema)

    def text(self) -> str:
        name = self._schema.get("name", "?")
        return f"a {name} object" if self._schema.get("type") == "class" else f"what {name} accepts"


class _Literal(_Node):
    def __init__(self, values: Sequence[Any]) -> None:
        self.values = list(values)
        self._allowed = {(type(v), v) for v in self.values}

    def check(self, value: Any) -> Any:
        try:
            allowed = (type(value), value) in self._allowed
        except TypeError:  # an unhashable value equals no literal
            allowed = False
        if not allowed:
            raise PayloadMismatch(self.text(), value)
        return value

    def schema(self) -> dict[str, Any]:
        return {"type": "literal", "values": self.values}

    def text(self) -> str:
        return " | ".join(repr(v) for v in self.values)


class _List(_Node):
    def __init__(self, item: _Node) -> None:
        self.item = item
        self.converts = item.converts

    def check(self, value: Any) -> Any:
        if not isinstance(value, list | tuple):
            raise PayloadMismatch(self.text(), value)
        checked = _each(zip(repeat(self.item), value))
        return checked if self.converts else value

    def schema(self) -> dict[str, Any]:
        return {"type": "list", "items": self.item.schema()}

    def text(self) -> str:
        return f"list[{self.item.text()}]"


class _Tuple(_Node):
    """A fixed-length tuple (a JSON array of that length)."""

    def __init__(self, items: Sequence[_Node]) -> None:
        self.items = list(items)
        self.converts = any(i.converts for i in items)

    def check(self, value: Any) -> Any:
        if not isinstance(value, list | tuple) or len(value) != len(self.items):
            raise PayloadMismatch(self.text(), value)
        checked = _each(zip(self.items, value, strict=True))
        return type(value)(checked) if self.converts else value

    def schema(self) -> dict[str, Any]:
        return {"type": "tuple", "items": [i.schema() for i in self.items]}

    def text(self) -> str:
        return f"tuple[{', '.join(i.text() for i in self.items)}]"


class _Dict(_Node):
    def __init__(self, key: _Node, value: _Node) -> None:
        self.key, self.value = key, value
        self.converts = value.converts

    def check(self, value: Any) -> Any:
        if not isinstance(value, dict):
            raise PayloadMismatch(self.text(), value)
        key, item = self.key.check, self.value.check
        out = {}
        for k, v in value.items():
            try:
                out[key(k)] = item(v)
            except PayloadMismatch as mismatch:
                raise mismatch.inside(f"[{quoted(k, 64)}]") from None
        return out if self.converts else value

    def schema(self) -> dict[str, Any]:
        return {"type": "dict", "keys": self.key.schema(), "value": self.value.schema()}

    def text(self) -> str:
        return f"dict[{self.key.text()}, {self.value.text()}]"


class _Union(_Node):
    def __init__(self, options: Sequence[_Node]) -> None:
        self.options = list(options)
        self.converts = any(o.converts for o in options)

    def check(self, value: Any) -> Any:
        deepest: PayloadMismatch | None = None
        for option in self.options:
            try:
                return option.check(value)
            except PayloadMismatch as mismatch:
                if deepest is None or len(mismatch.where) > len(deepest.where):
                    deepest = mismatch
        if deepest is not None and deepest.where:
            raise deepest  # one option took the value's outer shape: where it differs inside says the most
        raise PayloadMismatch(self.text(), value)

    def schema(self) -> dict[str, Any]:
        return {"type": "union", "of": [o.schema() for o in self.options]}

    def text(self) -> str:
        return " | ".join(o.text() for o in self.options)


class _Object(_Node):
    """A dataclass (an instance of it, or a JSON object with its fields, made into one) or a TypedDict."""

    def __init__(self, name: str, fields: dict[str, _Node], required: set[str], build: type | None) -> None:
        self.name, self.fields, self.required, self.build = name, fields, required, build
        self.converts = build is not None or any(f.converts for f in fields.values())

    def check(self, value: Any) -> Any:
        if self.build is not None and isinstance(value, self.build):
            return value
        if not isinstance(value, dict):
            raise PayloadMismatch(self.text(), value)
        fields = self.fields
        for k in self.required:
            if k not in value:
                missing = sorted(self.required - value.keys())
                raise PayloadMismatch(f"{self.name} with {', '.join(missing)}", value)
        checked = {}
        for k, v in value.items():
            node = fields.get(k)
            if node is None:
                extra = sorted(map(str, value.keys() - fields.keys()))
                raise PayloadMismatch(f"{self.name} without {', '.join(extra)}", value)
            try:
                checked[k] = node.check(v)
            except PayloadMismatch as mismatch:
                raise mismatch.inside(f".{k}") from None
        return self.build(**checked) if self.build is not None else checked if self.converts else value

    def schema(self) -> dict[str, Any]:
        return {"type": "object", "name": self.name, "fields": {k: f.schema() for k, f in self.fields.items()},
                "required": sorted(self.required)}

    def text(self) -> str:
        inner = ", ".join(f"{k}{'' if k in self.required else '?'}: {f.text()}" for k, f in self.fields.items())
        return f"{self.name} {{{inner}}}"


class _Validator(_Node):
    def __init__(self, fn: Callable[[Any], object]) -> None:
        self.fn = fn
        self.name = getattr(fn, "__qualname__", None) or type(fn).__name__

    def check(self, value: Any) -> Any:
        try:
            ok = self.fn(value)
        except (ValueError, TypeError) as err:
            raise PayloadMismatch(f"what {self.name} accepts ({err})", value) from None
        if not ok:
            raise PayloadMismatch(f"what {self.name} accepts", value)
        return value

    def schema(self) -> dict[str, Any]:
        doc = (inspect.getdoc(self.fn) or "").strip().splitlines()
        return {"type": "custom", "name": self.name, **({"doc": doc[0][:200]} if doc else {})}

    def text(self) -> str:
        return f"what {self.name} accepts"


class PayloadType:
    """A compiled payload type: `check(value)` returns what the reducer gets, or raises PayloadMismatch."""

    __slots__ = ("_node", "check", "exact", "text", "schema")

    def __init__(self, node: _Node) -> None:
        self._node = node
        self.check: Callable[[Any], Any] = node.check
        """`check(value)`: the node's own check, bound (a dispatch calls it with no wrapper in between)."""
        self.exact = node.exact
        """A class whose instances pass unchanged: a dispatch skips `check` for a payload of exactly it."""
        self.text = node.text()
        self.schema = {**node.schema(), "text": self.text}

    @classmethod
    def of(cls, declared: object, where: str) -> PayloadType | None:
        """The checker of a type, or of a validator callable; None for Any (every payload accepted)."""
        node = _compile(declared, where, 0)
        return None if isinstance(node, _Any) else cls(node)

    @classmethod
    def from_schema(cls, schema: Mapping[str, Any]) -> PayloadType:
        """A checker rebuilt from `schema` (what HELLO carries): the same rules, but validators and classes are
        known by name only and accept anything (the runtime still checks them)."""
        return cls(_from_schema(schema))


def payload_type_of(reducer: Callable[..., Any], declared: object, where: str) -> PayloadType | None:
    """The payload type of `reducer`: `declared` when given (not `inspect.Parameter.empty`), else the annotation of
    its second parameter; None when neither says anything."""
    if declared is not inspect.Parameter.empty:
        return PayloadType.of(declared, where)
    try:
        params = list(inspect.signature(reducer).parameters.values())
    except (TypeError, ValueError):  # a builtin or a callable without a signature: nothing declared
        return None
    if len(params) < 2 or params[1].kind not in (params[1].POSITIONAL_ONLY, params[1].POSITIONAL_OR_KEYWORD):
        return None
    if params[1].annotation is inspect.Parameter.empty:
        return None
    try:
        hints = get_type_hints(reducer, include_extras=True)
    except Exception as err:  # an annotation naming what its module cannot resolve: say which one
        raise DefinitionError(f"{where}: cannot read the payload annotation ({type(err).__name__}: {err}); "
                              "declare it with payload=") from None
    return PayloadType.of(hints.get(params[1].name, Any), where)


def _compile(tp: Any, where: str, depth: int) -> _Node:
    if depth > _MAX_DEPTH:
        raise DefinitionError(f"{where}: the payload type nests deeper than {_MAX_DEPTH} levels")
    if tp is Any or tp is object:
        return _Any()
    if tp is None:
        return _Scalar("none")
    origin = get_origin(tp)
    args = get_args(tp)
    if origin is Annotated:
        return _compile(args[0], where, depth + 1)
    if origin is Union or origin is types.UnionType:
        return _Union([_compile(a, where, depth + 1) for a in args])
    if origin is Literal:
        return _Literal(args)
    if origin is tuple and args and not (len(args) == 2 and args[1] is Ellipsis):
        return _Tuple([_compile(a, where, depth + 1) for a in args])
    if origin in (list, Sequence, tuple):
        return _List(_compile(args[0] if args else Any, where, depth + 1))
    if origin in (dict, Mapping):
        key, value = args if args else (Any, Any)
        return _Dict(_compile(key, where, depth + 1), _compile(value, where, depth + 1))
    if isinstance(tp, type):
        return _class(tp, where, depth)
    if callable(tp) and origin is None:
        return _Validator(tp)
    raise DefinitionError(f"{where}: cannot check payloads of type {tp!r}; declare payload= with a validator")


def _class(tp: type, where: str, depth: int) -> _Node:
    if tp in _SCALARS:
        return _Scalar(_SCALARS[tp])
    if tp in (list, tuple):
        return _List(_Any())
    if tp is dict:
        return _Dict(_Any(), _Any())
    if dataclasses.is_dataclass(tp) or is_typeddict(tp):
        return _object(tp, where, depth)
    return _Class(tp)


def _object(tp: type, where: str, depth: int) -> _Node:
    try:
        hints = get_type_hints(tp, include_extras=True)
    except Exception as err:
        raise DefinitionError(f"{where}: cannot read the fields of {tp.__qualname__} ({err})") from None
    fields = {name: _compile(hint, where, depth + 1) for name, hint in hints.items()}
    if is_typeddict(tp):
        return _Object(tp.__qualname__, fields, set(getattr(tp, "__required_keys__", fields)), None)
    declared = [f for f in dataclasses.fields(tp) if f.init]
    fields = {f.name: fields.get(f.name, _Any()) for f in declared}
    required = {f.name for f in declared
                if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING}
    return _Object(tp.__qualname__, fields, required, tp)


def _from_schema(schema: Mapping[str, Any]) -> _Node:
    kind = schema.get("type")
    if kind in ("bool", "int", "float", "str", "none"):
        return _Scalar(str(kind))
    if kind == "literal":
        return _Literal(list(schema.get("values", [])))
    if kind == "list":
        return _List(_from_schema(schema.get("items", {})))
    if kind == "tuple":
        return _Tuple([_from_schema(s) for s in schema.get("items", [])])
    if kind == "dict":
        return _Dict(_from_schema(schema.get("keys", {})), _from_schema(schema.get("value", {})))
    if kind == "union":
        return _Union([_from_schema(s) for s in schema.get("of", [])])
    if kind == "object":
        fields = {str(k): _from_schema(v) for k, v in dict(schema.get("fields", {})).items()}
        return _Object(str(schema.get("name", "object")), fields, set(schema.get("required", [])), None)
    if kind in ("class", "custom"):
        return _Named(dict(schema))
    return _Any()
