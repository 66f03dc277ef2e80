"""ReadQuery: a selector over one module's state together with the paths it declares to read.

    name = read_query(lambda s: s["name"], reads=["name"])

The declared reads are the selector's static IR (`selectorId`, `reads`, `readsDigest`): the store runs a selector
only in ticks whose commits touched one of its reads, and links/module-as-source use them as graph edges. Without
declared reads the selector is `dynamic`: it still works, but runs on every commit of its module.

The selectorId must be reproducible across runs (it is part of topic keys and of exported IR), so it is never random:
- given explicitly (`selector_id="name"`): the id is the identity, whatever function is passed with it;
- otherwise derived from where the function is defined (module, qualified name, first line) and its reads, which is
  stable only for functions without captured state. A closure or a function with defaults could behave differently
  under the same id, so it gets no id (`fallbackReason: unstableSelectorId`); topics then mint a per-store one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from runtime.base.field_decl import as_field_path
from runtime.base.paths import FieldPath, fnv1a32_text, path_text, stable_stringify
from runtime.base.state_access import same_value
from runtime.errors import DefinitionError

__all__ = ["ReadQuery", "read_query", "reads_overlap", "as_read_query"]

Selector = Callable[[Any], Any]


def reads_overlap(a: FieldPath, b: FieldPath) -> bool:
    """Two paths overlap when one is a prefix of the other (a write to either can change the other's value)."""
    n = min(len(a), len(b))
    return a[:n] == b[:n]


@dataclass(frozen=True, slots=True)
class ReadQuery:
    """A selector with its static facts. Build it with `read_query`."""

    select: Selector
    selector_id: str | None
    """None when no stable id could be derived (see the module docstring)."""
    reads: tuple[FieldPath, ...] | None
    """None for a dynamic selector (no declared reads)."""
    equals: Callable[[Any, Any], bool]
    custom_equals: bool
    debug_key: str

    @property
    def static(self) -> bool:
        return self.reads is not None

    @property
    def reads_digest(self) -> dict[str, int] | None:
        if self.reads is None:
            return None
        texts = sorted(path_text(r) for r in self.reads)
        return {"count": len(texts), "hash": fnv1a32_text(stable_stringify(texts))}

    def touches(self, paths: Sequence[FieldPath]) -> bool:
        """Whether a write to any of `paths` can change this selector's value."""
        reads = self.reads
        if reads is None:
            return True
        for r in reads:  # reads_overlap, inline: every selector of a changed module asks on every tick
            for p in paths:
                if r[:len(p)] == p or p[:len(r)] == r:
                    return True
        return False

    def static_ir(self, selector_id: str | None = None) -> dict[str, Any]:
        """ReadQueryStaticIr (equalsKind `valueEquals` is the default `==` by type)."""
        out: dict[str, Any] = {
            "selectorId": selector_id or self.selector_id,
            "debugKey": self.debug_key,
            "lane": "static" if self.static else "dynamic",
            "producer": "manual",
            "equalsKind": "custom" if self.custom_equals else "valueEquals",
        }
        if self.reads is not None:
            out["reads"] = [path_text(r) for r in self.reads]
            out["readsDigest"] = self.reads_digest
        else:
            out["fallbackReason"] = "missingDeps"
        if self.selector_id is None and selector_id is None:
            out["fallbackReason"] = "unstableSelectorId"
        return out


def _derived_id(fn: Selector, reads: tuple[FieldPath, ...] | None) -> str | None:
    code = getattr(fn, "__code__", None)
    if code is None or getattr(fn, "__closure__", None) or getattr(fn, "__defaults__", None):
        return None
    if getattr(fn, "__self__", None) is not None:  # a bound method carries its instance: not reproducible
        return None
    name = getattr(fn, "__qualname__", code.co_name).replace("<lambda>", "lambda").replace("<locals>", "locals")
    where = stable_stringify([getattr(fn, "__module__", ""), name, code.co_firstlineno,
                              None if reads is None else sorted(path_text(r) for r in reads)])
    short = name.rsplit(".", 1)[-1]
    return f"{short}@{fnv1a32_text(where):08x}"


def read_query(
    select: Selector,
    reads: Sequence[str | Sequence[str]] | None = None,
    *,
    selector_id: str | None = None,
    equals: Callable[[Any, Any], bool] | None = None,
) -> ReadQuery:
    """A selector with declared reads (field paths of the module state it reads)."""
    if not callable(select):
        raise DefinitionError(f"read_query: the selector must be callable, not {type(select).__name__}")
    if selector_id is not None and (not isinstance(selector_id, str) or not selector_id or "::" in selector_id):
        raise DefinitionError(f"read_query: selector_id {selector_id!r} must be a non-empty string without '::'")
    paths = None if reads is None else tuple(as_field_path(r, "read_query read") for r in reads)
    if paths is not None and not paths:
        raise DefinitionError("read_query: reads=[] declares that the selector reads nothing; pass None for dynamic")
    sid = selector_id or _derived_id(select, paths)
    debug = getattr(select, "__qualname__", type(select).__name__)
    return ReadQuery(select, sid, paths, equals or same_value, equals is not None, debug)


def as_read_query(read: ReadQuery | Selector, reads: Sequence[str | Sequence[str]] | None = None,
                  selector_id: str | None = None) -> ReadQuery:
    """Accept either a ReadQuery or a plain selector with `reads=`/`selector_id=` given beside it."""
    if isinstance(read, ReadQuery):
        if reads is not None or selector_id is not None:
            raise DefinitionError("pass reads/selector_id either inside read_query(...) or beside a plain selector")
        return read
    return read_query(read, reads, selector_id=selector_id)
