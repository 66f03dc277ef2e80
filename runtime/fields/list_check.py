"""The `check_list` declaration: validation of every row of a list, revalidating only the rows that changed.

    check_list("items", {
        "named": lambda row: None if row.get("name") else "a name is required",
        "in stock": RowsRule(lambda rows, indices: stock.check({i: rows[i]["sku"] for i in indices})),
    })

`errors.<list>` holds one message per row (the first failing rule's, None when the row is valid), aligned with the
rows. A transaction that wrote inside some rows (`items[3].name`) revalidates those rows only, from its own dirty
evidence; the list replaced, rows inserted or removed, a prefix of the list written or a dirty-all write revalidate
every row (docs/rules/converge.md). A `RowsRule` asks for the indices itself: it is called once with the rows and the
indices to revalidate and returns their messages (one lookup for every changed row, say). A row's verdict must
depend on that row only: rows that were not written are not revalidated.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from runtime.base.field_decl import FieldDecl, PathLike, as_field_path
from runtime.base.paths import path_text
from runtime.errors import DefinitionError
from runtime.fields.declarations import ERRORS_ROOT

__all__ = ["RowRule", "RowsRule", "check_list"]

RowRule = Callable[[Any], "str | None"]
"""A rule over one row: its error message, or None when the row is valid."""


@dataclass(frozen=True, slots=True)
class RowsRule:
    """A rule that is handed the rows to revalidate: `validate(rows, indices)` returns `{index: message or None}`
    for those indices (a missing index counts as valid)."""

    validate: Callable[[Sequence[Any], tuple[int, ...]], Mapping[int, str | None]]


class _RowChecker:
    """Runs the rules of one list check over the rows to revalidate (the first failing rule's message per row)."""

    __slots__ = ("names", "rules", "_last")

    def __init__(self, names: list[str], rules: list[RowRule | RowsRule]) -> None:
        self.names = names
        self.rules = rules
        self._last: tuple[tuple[tuple[str, str], ...], tuple[int, int]] = ((), (0, 0))

    def messages(self, rows: Sequence[Any], indices: tuple[int, ...]) -> dict[int, str | None]:
        found: dict[int, str | None] = dict.fromkeys(indices)
        outcomes: list[tuple[str, str]] = []
        for name, rule in zip(self.names, self.rules, strict=True):
            open_rows = tuple(i for i in indices if found[i] is None)
            if not open_rows:
                outcomes.append((name, "skipped"))
                continue
            if isinstance(rule, RowsRule):
                got = rule.validate(rows, open_rows)
                answers = ((i, got.get(i)) for i in open_rows)
            else:
                answers = ((i, rule(rows[i])) for i in open_rows)
            failed = False
            for i, message in answers:
                if message:
                    found[i] = str(message)
                    failed = True
            outcomes.append((name, "fail" if failed else "pass"))
        self._last = (tuple(outcomes), (len(indices), sum(1 for m in found.values() if m)))
        return found

    def report(self) -> tuple[tuple[tuple[str, str], ...], tuple[int, int] | None]:
        """The rules of the last run and their outcomes (fail: some row failed it), and (rows revalidated, rows
        found invalid); what a `trait:check` event says."""
        return self._last

    def revalidate(self, rows: list[Any], current: Any, changed: tuple[int, ...] | None) -> list[str | None]:
        """The new `errors.<list>`: only the `changed` rows revalidated, or every row when changed is None (or the
        current messages do not line up with the rows)."""
        n = len(rows)
        if changed is None or not isinstance(current, list) or len(current) != n:
            found = self.messages(rows, tuple(range(n)))
            return [found[i] for i in range(n)]
        indices = tuple(i for i in changed if i < n)
        if not indices:
            self._last = (tuple((name, "skipped") for name in self.names), (0, 0))
            return current
        out = list(current)
        for i, message in self.messages(rows, indices).items():
            out[i] = message
        return out

    def validate_all(self, rows: Any) -> list[str | None]:
        return self.revalidate(rows if isinstance(rows, list) else [], None, None)


def check_list(list_path: PathLike, rules: Mapping[str, RowRule | RowsRule]) -> FieldDecl:
    """Validate every row of the list at `list_path` into `errors.<list_path>` (see the module docstring)."""
    target_list = as_field_path(list_path, "check_list list")
    name = path_text(target_list)
    if not rules:
        raise DefinitionError(f"check_list {name}: give at least one rule")
    for rule_name, rule in rules.items():
        if not isinstance(rule, RowsRule) and not callable(rule):
            raise DefinitionError(f"check_list {name}: rule {rule_name!r} is neither a callable nor a RowsRule")
    checker = _RowChecker([str(n) for n in rules], list(rules.values()))
    return FieldDecl("check", (ERRORS_ROOT, *target_list), (target_list,), checker.validate_all,
                     label=f"check_list:{name}", options={"rows": checker.revalidate, "report": checker.report})
