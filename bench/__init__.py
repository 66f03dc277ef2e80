"""Benchmarks; each script prints and writes JSON (see its docstring). Never part of the test run."""
