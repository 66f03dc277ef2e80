"""Converge: the static IR of derived fields, the planner (full | dirty | auto), its plan cache and the executor."""

from runtime.converge.config import ConvergeConfig
from runtime.converge.ir import StaticIr, Step, build_static_ir
from runtime.converge.planner import Decision, Planner

__all__ = ["ConvergeConfig", "Decision", "Planner", "StaticIr", "Step", "build_static_ir"]
