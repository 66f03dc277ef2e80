"""Resource definitions and their keys: `resourceKey = resource:<name>:<fnv1a32 of the stable JSON of the args>`.

    catalog = resource("catalog", search_catalog, tags=lambda query: ["catalog"])
    resource_key(catalog, "tea")        # 'resource:catalog:1c3d5a7e' (the same args give the same key, always)

The rules are in docs/rules/resources.md.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from runtime.base.paths import fnv1a32_text, stable_stringify
from runtime.errors import DefinitionError, ResourceError

__all__ = ["MAX_TAGS", "ResourceDef", "ResourceStatus", "resource", "resource_key"]

ResourceStatus = Literal["idle", "pending", "success", "failure", "cancelled"]
MAX_TAGS = 16
"""Tags per entry (what its events can carry)."""
Loader = Callable[[Any], Awaitable[Any]]


@dataclass(frozen=True, slots=True)
class ResourceDef:
    """A named async loader: `load(args)` fetches the value the key of `args` stands for."""

    name: str
    load: Loader
    tags: Callable[[Any], Sequence[str]] | Sequence[str] = ()
    """Static tags, or `tags(args)`; `invalidate_tag` drops every entry carrying one."""
    timeout_s: float | None = None
    """A load still pending after this long is cancelled (reason `timeout`); its consumers get ResourceError."""

    def tags_of(self, args: Any) -> tuple[str, ...]:
        raw = self.tags(args) if callable(self.tags) else self.tags
        tags = tuple(dict.fromkeys(str(t) for t in raw if t))
        if len(tags) > MAX_TAGS:
            raise ResourceError(f"resource {self.name!r}: {len(tags)} tags for one entry, at most {MAX_TAGS}")
        return tags


def resource(name: str, load: Loader, *, tags: Callable[[Any], Sequence[str]] | Sequence[str] = (),
             timeout_s: float | None = None) -> ResourceDef:
    """Define a resource; the name is part of every key, so it must be stable (no addresses, no random values)."""
    if not isinstance(name, str) or not name or ":" in name:
        raise DefinitionError(f"resource name {name!r} must be a non-empty string without ':'")
    if not callable(load):
        raise DefinitionError(f"resource {name!r}: load must be an async function of the args")
    if timeout_s is not None and not timeout_s > 0:
        raise DefinitionError(f"resource {name!r}: timeout_s must be positive")
    if isinstance(tags, str):
        raise DefinitionError(f"resource {name!r}: tags is a sequence of strings (or a function giving one)")
    return ResourceDef(name, load, tags, timeout_s)


def resource_key(defn: ResourceDef, args: Any) -> str:
    """The stable key of `defn` for `args` (JSON-able: dicts are hashed with sorted keys)."""
    try:
        text = stable_stringify(args)
    except (TypeError, ValueError) as exc:
        raise ResourceError(f"resource {defn.name!r}: its args must be JSON values to have a stable key ({exc})") \
            from None
    return f"resource:{defn.name}:{fnv1a32_text(text):08x}"
