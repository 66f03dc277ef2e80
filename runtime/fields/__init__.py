"""Derived-field declarations (computed, link, check) and the hooks other writer kinds build on."""

from .declarations import ERRORS_ROOT, FieldDecl, Rule, as_field_path, check, computed, link
from .external_store import external_store

__all__ = ["ERRORS_ROOT", "FieldDecl", "Rule", "as_field_path", "check", "computed", "external_store", "link"]
