"""Converge configuration and its precedence: provider > runtime_module > runtime_default > builtin.

Each setting is taken from the highest scope that sets it; the reported `configScope` is the highest scope that set
anything. A provider override (`Runtime.set_converge_override`) applies from the next transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, get_args

from runtime.base.records import ConvergeMode
from runtime.errors import DefinitionError

__all__ = ["ConvergeConfig", "ConvergeMode", "ConfigScope", "ConvergeSettings", "ResolvedConvergeConfig",
           "resolve_converge_config", "MODES"]

ConfigScope = Literal["provider", "runtime_module", "runtime_default", "builtin"]
MODES: tuple[ConvergeMode, ...] = get_args(ConvergeMode)
_SCOPES: tuple[ConfigScope, ...] = get_args(ConfigScope)


@dataclass(frozen=True, slots=True)
class ConvergeConfig:
    """A partial converge configuration; None leaves a setting to a lower scope."""

    mode: ConvergeMode | None = None
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
    mode: ConvergeMode
    budget_ms: float
    decision_budget_ms: float
    scope: ConfigScope


BUILTIN = ConvergeConfig(mode="auto", budget_ms=200.0, decision_budget_ms=0.5)


def resolve_converge_config(
    provider: ConvergeConfig | None,
    runtime_module: ConvergeConfig | None,
    runtime_default: ConvergeConfig | None,
) -> ResolvedConvergeConfig:
    layers: tuple[tuple[ConfigScope, ConvergeConfig | None], ...] = (
        ("provider", provider), ("runtime_module", runtime_module), ("runtime_default", runtime_default),
        ("builtin", BUILTIN))
    scope: ConfigScope = "builtin"

    def pick(name: str) -> object:
        nonlocal scope
        for layer_scope, layer in layers:
            value = None if layer is None else getattr(layer, name)
            if value is not None:
                if _SCOPES.index(layer_scope) < _SCOPES.index(scope):
                    scope = layer_scope
                return value
        raise AssertionError(name)  # the builtin layer sets every setting

    mode, budget_ms, decision_budget_ms = pick("mode"), pick("budget_ms"), pick("decision_budget_ms")
    assert mode in MODES and isinstance(budget_ms, (int, float)) and isinstance(decision_budget_ms, (int, float))
    return ResolvedConvergeConfig(mode=mode, budget_ms=float(budget_ms), decision_budget_ms=float(decision_budget_ms),
                                  scope=scope)


class ConvergeSettings:
    """The converge configuration of one runtime: its default, per-module settings, and provider overrides that
    change at run time. Resolved per module and cached until an override changes."""

    def __init__(self, default: ConvergeConfig | None = None,
                 by_module: Mapping[str, ConvergeConfig] | None = None) -> None:
        self._default = default
        self._by_module = dict(by_module or {})
        self._overrides: dict[str, ConvergeConfig] = {}
        self._resolved: dict[str, ResolvedConvergeConfig] = {}

    def set_override(self, module_id: str, config: ConvergeConfig | None) -> None:
        """Override the settings of one module (scope `provider`) from its next transaction; None removes it."""
        if config is None:
            self._overrides.pop(module_id, None)
        else:
            self._overrides[module_id] = config
        self._resolved.clear()

    def resolve(self, module_id: str) -> ResolvedConvergeConfig:
        found = self._resolved.get(module_id)
        if found is None:
            found = resolve_converge_config(self._overrides.get(module_id), self._by_module.get(module_id),
                                            self._default)
            self._resolved[module_id] = found
        return found
