"""Derived-field declarations (computed, link, check) and the hooks other writer kinds build on."""

from .declarations import ERRORS_ROOT, FieldDecl, Rule, as_field_path, check, computed, link

__all__ = ["ERRORS_ROOT", "FieldDecl", "Rule", "as_field_path", "check", "computed", "link"]
