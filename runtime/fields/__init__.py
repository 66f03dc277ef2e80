"""The field declarations a module author writes: computed, link, check, external_store, source."""

from runtime.base.field_decl import FieldDecl
from runtime.fields.declarations import ERRORS_ROOT, Rule, check, computed, link
from runtime.fields.external_store import external_store
from runtime.fields.list_check import RowsRule, check_list
from runtime.fields.source import source

__all__ = ["ERRORS_ROOT", "FieldDecl", "Rule", "RowsRule", "check", "check_list", "computed", "external_store", "link",
           "source"]
