"""Converge configuration and its precedence: provider > runtime_module > runtime_default > builtin.

Each setting is taken from the highest scope that sets it; the reported `configScope` is the highest scope that set
anything. A provider override (`Runtime.set_converge_override`) applies from the next transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

from runtime.errors import DefinitionError

__all__ = ["ConvergeConfig", "ResolvedConvergeConfig", "resolve_converge_config", "MODES"]

MODES = ("auto", "full", "dirty")


@dataclass(frozen=True, slots=True)
class ConvergeConfig:
    """A partial converge configuration; None leaves a setting to a lower scope."""

    mode: str | None = None
    """Requested mode: auto | full | dirty."""
    budget_ms: float | None = None
    """Execution budget of one converge; past it the derived writes of the transaction are rolled back."""
    decision_budget_ms: float | None = None
    """How long auto may spend choosing a plan (checked from 32 steps up)."""

    def __post_init__(self) -> None:
        if self.mode is not None and self.mode not in MODES:
            raise DefinitionError(f"converge mode {self.mode!r} is not one of {', '.join(MODES)}")
        for name in ("budget_ms", "decision_budget_ms"):
            value = getattr(self, name)
            if value is not None and value < 0:
                raise DefinitionError(f"converge {name} must not be negative, got {value}")


@dataclass(frozen=True, slots=True)
class ResolvedConvergeConfig:
    mode: str
    budget_ms: float
    decision_budget_ms: float
    scope: str


BUILTIN = ConvergeConfig(mode="auto", budget_ms=200.0, decision_budget_ms=0.5)


def resolve_converge_config(
    provider: ConvergeConfig | None,
    runtime_module: ConvergeConfig | None,
    runtime_default: ConvergeConfig | None,
) -> ResolvedConvergeConfig:
    layers = [("provider", provider), ("runtime_module", runtime_module), ("runtime_default", runtime_default)]
    values = {}
    scope = "builtin"
    for name in ("mode", "budget_ms", "decision_budget_ms"):
        for layer_scope, layer in layers:
            if layer is not None and getattr(layer, name) is not None:
                values[name] = getattr(layer, name)
                if scope == "builtin" or _rank(layer_scope) < _rank(scope):
                    scope = layer_scope
                break
        else:
            values[name] = getattr(BUILTIN, name)
    return ResolvedConvergeConfig(scope=scope, **values)


def _rank(scope: str) -> int:
    return ("provider", "runtime_module", "runtime_default", "builtin").index(scope)
