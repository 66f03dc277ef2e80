"""Derived-field declarations (computed, link, check) and the hooks other writer kinds build on."""

from runtime.fields.declarations import ERRORS_ROOT, FieldDecl, Rule, as_field_path, check, computed, link
from runtime.sources.external_fields import external_store

__all__ = ["ERRORS_ROOT", "FieldDecl", "Rule", "as_field_path", "check", "computed", "external_store", "link"]
