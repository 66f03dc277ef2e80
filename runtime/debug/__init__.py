"""The debug sink, hub and JSON projection: what the runtime exports about itself."""

from .hub import DebugHub
from .projection import Budget, project
from .reverse import root_paths
from .sink import LEVELS, Clock, DebugSink, error_summary

__all__ = ["LEVELS", "Budget", "Clock", "DebugHub", "DebugSink", "error_summary", "project", "root_paths"]
