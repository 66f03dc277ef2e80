"""The declaration of one derived field, as every layer reads it: kind, target, dependencies, derivation.

The constructors users call (computed, link, check, external_store, source) live in runtime.fields; this record is
the data the kernel, the converge planner and the sources layer share.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from runtime.base.paths import WILDCARD, FieldPath, parse_path
from runtime.errors import DefinitionError

__all__ = ["FieldDecl", "PathLike", "as_field_path"]

PathLike = str | Sequence[str]


def as_field_path(path: PathLike, what: str) -> FieldPath:
    """A declared path: its keys, at least one. A key is one segment whatever it holds (`"tags[x]"`, `"2024"`); a
    dotted string splits at its dots, so a key with a dot in it is declared in the tuple form (`("a.b",)`). A path
    that crosses a list names no index: `items.price` reads every item's price."""
    raw = parse_path(path)
    if not raw:
        raise DefinitionError(f"{what}: {path!r} names no field")
    for seg in raw:
        if not isinstance(seg, str) or not seg or seg == WILDCARD:
            raise DefinitionError(f"{what}: {path!r} must name a field by its keys (no list indices, no "
                                  f"wildcard, no empty key); {seg!r} is not a key")
    return tuple(raw)


@dataclass(frozen=True, slots=True)
class FieldDecl:
    """One derived field: its kind, target, dependencies and the function that computes it."""

    kind: str
    """computed | link | check (converge steps), or a writer kind of another layer (source, externalStore)."""
    target: FieldPath
    """The field it writes; it is that field's only writer."""
    deps: tuple[FieldPath, ...] = ()
    """The paths it reads (the single source of truth for its dependencies)."""
    derive: Callable[..., Any] | None = None
    """Called with the values of `deps`, in order; returns the new value of `target`."""
    equals: Callable[[Any, Any], bool] | None = None
    """Decides whether a new value equals the old one (no write); default: same type and ==."""
    label: str = ""
    """Display name, e.g. `check:email`."""
    converges: bool = True
    """False for writer kinds whose writes arrive as their own transactions (source, externalStore)."""
    options: Mapping[str, Any] = field(default_factory=dict)
    """Kind-specific settings other layers read (e.g. an external store and its priority)."""

    @property
    def name(self) -> str:
        return self.label or f"{self.kind}:{'.'.join(self.target)}"
