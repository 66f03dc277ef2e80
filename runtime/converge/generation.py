"""Why a module shape's generation was bumped, worked out from what changed between two static IRs.

A rebuilt IR whose graph differs from the one in force is a new generation (docs/rules/converge.md). The reason is
the first of these that differs: the writers (which step writes which field) -> `writers_changed`, the dependencies
of the steps -> `deps_changed`, the fields fed from outside the module (external stores, sources) ->
`imports_changed`, anything else in the digest (the path table) -> `unknown`. The same digest is the same graph: no
bump, cached plans stay valid.
"""

from __future__ import annotations

from typing import Literal

from runtime.converge.ir import StaticIr

__all__ = ["BumpReason", "bump_reason"]

BumpReason = Literal["writers_changed", "deps_changed", "logic_installed", "logic_uninstalled", "imports_changed",
                     "unknown"]
"""Every reason the evidence knows; the runtime itself reports the ones worked out here."""


def bump_reason(old: StaticIr, new: StaticIr) -> BumpReason | None:
    """What changed from `old` to `new`; None when the graph is the same (no generation bump)."""
    if old.digest == new.digest:
        return None
    if set(old.writers) != set(new.writers):
        return "writers_changed"
    if _deps_by_target(old) != _deps_by_target(new):
        return "deps_changed"
    if set(old.imports) != set(new.imports):
        return "imports_changed"
    return "unknown"


def _deps_by_target(ir: StaticIr) -> dict[tuple[str, ...], tuple[tuple[str, ...], ...]]:
    return {target: deps for (_kind, target), deps in zip(ir.writers, ir.deps, strict=True)}
