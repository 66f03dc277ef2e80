"""Converge: the static IR of derived fields, the planner (full | dirty | auto), its plan cache and the executor."""

from .config import ConvergeConfig
from .ir import StaticIr, Step, build_static_ir
from .planner import Decision, Planner

__all__ = ["ConvergeConfig", "Decision", "Planner", "StaticIr", "Step", "build_static_ir"]
