"""A faster `__init__` for the frozen slots dataclasses built on every transaction.

A frozen dataclass's generated `__init__` stores each field through `object.__setattr__(self, name, value)`: a
lookup of the name in the class per field. A transaction record has twenty of them and is built on every commit,
so that lookup was a measurable share of a dispatch. `fast_init` swaps in an `__init__` of the same signature that
stores each field through its slot descriptor directly; the class stays frozen (assignment still raises), equal,
hashable and printable as before.

    @fast_init
    @dataclass(frozen=True, slots=True)
    class Record:
        ...
"""

from __future__ import annotations

from dataclasses import MISSING, fields
from typing import Any, TypeVar

__all__ = ["fast_init"]

_Cls = TypeVar("_Cls", bound=type)


def fast_init(cls: _Cls) -> _Cls:
    """Give the frozen slots dataclass `cls` an `__init__` that writes its slots directly (same parameters, same
    defaults). Refuses classes it cannot speed up without changing their behaviour."""
    if "__slots__" not in cls.__dict__ or not cls.__dataclass_params__.frozen:  # type: ignore[attr-defined]
        raise TypeError(f"fast_init needs a frozen dataclass with slots, not {cls.__name__}")
    if hasattr(cls, "__post_init__"):
        raise TypeError(f"fast_init does not run __post_init__ ({cls.__name__} has one)")
    scope: dict[str, Any] = {}
    params: list[str] = []
    body: list[str] = []
    for f in fields(cls):
        if f.kw_only or not f.init:
            raise TypeError(f"fast_init handles positional init fields only ({cls.__name__}.{f.name})")
        name = f.name
        scope[f"_set_{name}"] = cls.__dict__[name].__set__
        if f.default is not MISSING:
            scope[f"_default_{name}"] = f.default
            params.append(f"{name}=_default_{name}")
        elif f.default_factory is not MISSING:
            scope[f"_factory_{name}"] = f.default_factory
            params.append(f"{name}=_MISSING")
            body.append(f"    if {name} is _MISSING: {name} = _factory_{name}()")
        else:
            params.append(name)
        body.append(f"    _set_{name}(self, {name})")
    scope["_MISSING"] = MISSING
    source = f"def __init__(self, {', '.join(params)}):\n" + "\n".join(body or ["    pass"]) + "\n"
    exec(compile(source, f"<fast_init {cls.__qualname__}>", "exec"), scope)  # noqa: S102 - built from field names
    init = scope["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    setattr(cls, "__init__", init)  # noqa: B010 - mypy refuses assigning __init__ on a type variable
    return cls
