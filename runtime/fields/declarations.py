"""Declarations of derived fields: what a module author writes.

A declaration names one target field (its single writer) and, for the kinds that converge computes (computed, link,
check), the paths it reads. Other layers add writer kinds that take no part in converge (source, external_store):
they own their target all the same, so two writers of one field are refused whatever their kinds.

    computed("total", deps=["items.price"], derive=lambda prices: sum(prices))
    link("shipping.city", from_="billing.city")
    check("email", {"required": lambda v: None if v else "required"})

A dependency path that crosses a list maps over its items: `items.price` reads the list of every item's price.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from runtime.base.field_decl import FieldDecl, PathLike, as_field_path
from runtime.base.paths import FieldPath
from runtime.errors import DefinitionError

__all__ = ["ERRORS_ROOT", "Rule", "check", "computed", "link"]

ERRORS_ROOT = "errors"


def computed(
    target: PathLike,
    deps: Sequence[PathLike],
    derive: Callable[..., Any],
    *,
    equals: Callable[[Any, Any], bool] | None = None,
) -> FieldDecl:
    """A field computed from others inside the same transaction window."""
    tgt = as_field_path(target, "computed target")
    if not callable(derive):
        raise DefinitionError(f"computed {'.'.join(tgt)}: derive must be callable")
    dep_paths = tuple(as_field_path(d, f"computed {'.'.join(tgt)} dependency") for d in deps)
    if not dep_paths:
        raise DefinitionError(f"computed {'.'.join(tgt)}: declare at least one dependency")
    return FieldDecl("computed", tgt, dep_paths, derive, equals)


def _identity(value: Any) -> Any:
    return value


def link(target: PathLike, from_: PathLike) -> FieldDecl:
    """A field that copies another path of the same module."""
    tgt = as_field_path(target, "link target")
    src = as_field_path(from_, f"link {'.'.join(tgt)} source")
    return FieldDecl("link", tgt, (src,), _identity)


@dataclass(frozen=True, slots=True)
class Rule:
    """One validation rule: reads `deps` (default: the checked field) and returns an error message or None."""

    validate: Callable[..., str | None]
    deps: tuple[PathLike, ...] = ()


def check(field_path: PathLike, rules: Mapping[str, Rule | Callable[..., str | None]]) -> FieldDecl:
    """Validation of one field: the first failing rule's message is written to `errors.<field>` (None when valid).

    Rules run whenever one of their dependencies changes, in the order given.
    """
    checked = as_field_path(field_path, "check field")
    if not rules:
        raise DefinitionError(f"check {'.'.join(checked)}: give at least one rule")
    compiled: list[tuple[str, Callable[..., str | None], tuple[int, ...]]] = []
    all_deps: list[FieldPath] = []
    for rule_name, rule in rules.items():
        r = rule if isinstance(rule, Rule) else Rule(rule)
        rule_deps = tuple(as_field_path(d, f"check {'.'.join(checked)} rule {rule_name}") for d in r.deps) or (checked,)
        slots = []
        for d in rule_deps:
            if d not in all_deps:
                all_deps.append(d)
            slots.append(all_deps.index(d))
        compiled.append((rule_name, r.validate, tuple(slots)))

    rules_run = _CheckRules(compiled)
    target = (ERRORS_ROOT, *checked)
    return FieldDecl("check", target, tuple(all_deps), rules_run, label=f"check:{'.'.join(checked)}",
                     options={"report": rules_run.report})


class _CheckRules:
    """The rules of one check, run in order until one fails; remembers what the last run found (for
    `trait:check` events: the rules that ran and their outcome)."""

    __slots__ = ("compiled", "_last")

    def __init__(self, compiled: list[tuple[str, Callable[..., str | None], tuple[int, ...]]]) -> None:
        self.compiled = compiled
        self._last: tuple[tuple[str, str], ...] = ()

    def __call__(self, *values: Any) -> str | None:
        outcomes: list[tuple[str, str]] = []
        verdict: str | None = None
        for name, validate, slots in self.compiled:
            if verdict is not None:
                outcomes.append((name, "skipped"))
                continue
            message = validate(*(values[i] for i in slots))
            if message:
                verdict = str(message)
            outcomes.append((name, "fail" if message else "pass"))
        self._last = tuple(outcomes)
        return verdict

    def report(self) -> tuple[tuple[tuple[str, str], ...], tuple[int, int] | None]:
        return self._last, None
