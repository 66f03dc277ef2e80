"""Converge configuration and its precedence: provider > runtime_module > runtime_default > builtin.

Each setting is taken from the highest scope that sets it; the reported `configScope` is the highest scope that set
anything (docs/rules/converge.md). Every scope can be changed while the runtime runs, from the next transaction:
the provider scope per module id and for the whole runtime (a module's own provider override beats the runtime's),
the runtime scopes per module id (`runtime_module`) and for the whole runtime (`runtime_default`).

The sampling of `sampled` diagnostics (every N-th transaction is timed per step, its K slowest steps exported) is a
runtime-wide setting of its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, get_args

from runtime.base.records import ConvergeMode
from runtime.errors import DefinitionError

__all__ = ["ConvergeConfig", "ConvergeMode", "ConfigScope", "ConvergeSampling", "ConvergeSettings",
           "ResolvedConvergeConfig", "resolve_converge_config", "MODES"]

ConfigScope = Literal["provider", "runtime_module", "runtime_default", "builtin"]
MODES: tuple[ConvergeMode, ...] = get_args(ConvergeMode)
_SCOPES: tuple[ConfigScope, ...] = get_args(ConfigScope)
MAX_TOP_K = 16
"""The most slowest steps a sampled decision may carry (the schema's bound)."""


@dataclass(frozen=True, slots=True)
class ConvergeConfig:
    """A partial converge configuration; None leaves a setting to a lower scope."""

    mode: ConvergeMode | None = None
    """Requested mode: auto | full | dirty."""
    budget_ms: float | None = None
    """Execution budget of one converge; past it the derived writes of the transaction are rolled back."""
    decision_budget_ms: float | None = None
    """How long auto may spend choosing a plan (checked from 32 steps up)."""
    assembly: bool | None = None
    """Run plans through assembled kernels (runtime/converge/assembly.py); False runs the interpreter only."""

    def __post_init__(self) -> None:
        if self.mode is not None and self.mode not in MODES:
            raise DefinitionError(f"converge mode {self.mode!r} is not one of {', '.join(MODES)}")
        for name in ("budget_ms", "decision_budget_ms"):
            value = getattr(self, name)
            if value is not None and value < 0:
                raise DefinitionError(f"converge {name} must not be negative, got {value}")
        if self.assembly is not None and not isinstance(self.assembly, bool):
            raise DefinitionError(f"converge assembly must be True, False or None, got {self.assembly!r}")


@dataclass(frozen=True, slots=True)
class ConvergeSampling:
    """How `sampled` diagnostics time converge: every `sample_every_n`-th transaction (`(txnSeq - 1) % N == 0`) is
    timed per step, and its `top_k` slowest steps are exported."""

    sample_every_n: int = 32
    top_k: int = 3

    def __post_init__(self) -> None:
        for name, limit in (("sample_every_n", None), ("top_k", MAX_TOP_K)):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1 or (limit and value > limit):
                bound = f" and at most {limit}" if limit else ""
                raise DefinitionError(f"ConvergeSampling.{name} must be an integer >= 1{bound}, not {value!r}")


@dataclass(frozen=True, slots=True)
class ResolvedConvergeConfig:
    mode: ConvergeMode
    budget_ms: float
    decision_budget_ms: float
    scope: ConfigScope
    sampling: ConvergeSampling = ConvergeSampling()
    assembly: bool = True


BUILTIN = ConvergeConfig(mode="auto", budget_ms=200.0, decision_budget_ms=0.5, assembly=True)


def resolve_converge_config(
    provider: ConvergeConfig | None,
    runtime_module: ConvergeConfig | None,
    runtime_default: ConvergeConfig | None,
    *,
    provider_default: ConvergeConfig | None = None,
    sampling: ConvergeSampling | None = None,
) -> ResolvedConvergeConfig:
    """Resolve one module's settings. `provider` is the module's own provider override, `provider_default` the one
    for the whole runtime (same scope, the module's wins)."""
    layers: tuple[tuple[ConfigScope, ConvergeConfig | None], ...] = (
        ("provider", provider), ("provider", provider_default), ("runtime_module", runtime_module),
        ("runtime_default", runtime_default), ("builtin", BUILTIN))
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
    assembly = pick("assembly")
    assert mode in MODES and isinstance(budget_ms, (int, float)) and isinstance(decision_budget_ms, (int, float))
    assert isinstance(assembly, bool)
    return ResolvedConvergeConfig(mode=mode, budget_ms=float(budget_ms), decision_budget_ms=float(decision_budget_ms),
                                  scope=scope, sampling=sampling or ConvergeSampling(), assembly=assembly)


class ConvergeSettings:
    """The converge configuration of one runtime, every scope of it changeable at run time. Resolved per module and
    cached until a setting changes."""

    def __init__(self, default: ConvergeConfig | None = None,
                 by_module: Mapping[str, ConvergeConfig] | None = None,
                 sampling: ConvergeSampling | None = None) -> None:
        self._default = default
        self._by_module = dict(by_module or {})
        self._overrides: dict[str, ConvergeConfig] = {}
        self._override_all: ConvergeConfig | None = None
        self._sampling = sampling or ConvergeSampling()
        self._resolved: dict[str, ResolvedConvergeConfig] = {}

    def set_override(self, module_id: str | None, config: ConvergeConfig | None) -> None:
        """Scope `provider`: override one module's settings (or, with module_id None, every module's) from the next
        transaction; None removes the override."""
        if module_id is None:
            self._override_all = config
        else:
            self._set_for(self._overrides, module_id, config)
        self._resolved.clear()

    def set_runtime(self, config: ConvergeConfig | None, module_id: str | None = None) -> None:
        """Scope `runtime_default` (module_id None) or `runtime_module`: replace the runtime's own settings from the
        next transaction; None removes them."""
        if module_id is None:
            self._default = config
        else:
            self._set_for(self._by_module, module_id, config)
        self._resolved.clear()

    @staticmethod
    def _set_for(by_module: dict[str, ConvergeConfig], module_id: str, config: ConvergeConfig | None) -> None:
        if config is None:
            by_module.pop(module_id, None)
        else:
            by_module[module_id] = config

    @property
    def sampling(self) -> ConvergeSampling:
        return self._sampling

    def set_sampling(self, sampling: ConvergeSampling) -> None:
        self._sampling = sampling
        self._resolved.clear()

    def resolve(self, module_id: str) -> ResolvedConvergeConfig:
        found = self._resolved.get(module_id)
        if found is None:
            found = resolve_converge_config(self._overrides.get(module_id), self._by_module.get(module_id),
                                            self._default, provider_default=self._override_all,
                                            sampling=self._sampling)
            self._resolved[module_id] = found
        return found
