"""The declaration of one derived field, as every layer reads it: kind, target, dependencies, derivation.

The constructors users call (computed, link, check, external_store, source) live in runtime.fields; this record is
the data the kernel, the converge planner and the sources layer share.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from runtime.base.paths import FieldPath, normalize_path, parse_path
from runtime.errors import DefinitionError

__all__ = ["FieldDecl", "PathLike", "as_field_path"]

PathLike = str | Sequence[str]


def as_field_path(path: PathLike, what: str) -> FieldPath:
    """A declared path: index-free, at least one segment, no dots inside segments."""
    try:
        raw = parse_path(path)
        norm = normalize_path(raw)
    except ValueError as exc:
        raise DefinitionError(f"{what}: {exc}") from None
    if not norm or len(norm) != len(raw):
        raise DefinitionError(f"{what}: {path!r} must name a field by its keys (no list indices)")
    return norm


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
