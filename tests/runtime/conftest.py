"""Puts tests/runtime on the import path, so the tests below it (parts/) share its support modules."""
