"""Where a module definition can be imported from, so a recorded trace can name the code that produced it
(`tickscope testgen` mounts the recorded modules by it).

A module built inside a top-level function (`def form_module(): return Module(...)`) is named by that function,
`package.file:form_module`; one built at the top of a file (`counter = Module(...)`) by the global that holds it,
`package.file:counter`, looked up when first asked (at mount the assignment has happened). Modules built in
`__main__` or inside a nested function cannot be imported by name and have no import path.
"""

from __future__ import annotations

import sys
from types import FrameType
from typing import Any

__all__ = ["DefinitionSite", "definition_site"]


class DefinitionSite:
    """The file (module name) and the function or global a module definition comes from."""

    __slots__ = ("module_name", "factory")

    def __init__(self, module_name: str, factory: str | None) -> None:
        self.module_name = module_name
        self.factory = factory
        """The qualified name of the top-level function that built it; None when it was built at the top level."""

    def import_path(self, definition: Any) -> str | None:
        if self.factory is not None:
            return f"{self.module_name}:{self.factory}"
        namespace = getattr(sys.modules.get(self.module_name), "__dict__", {})
        for name, value in list(namespace.items()):
            if value is definition and not name.startswith("_"):
                return f"{self.module_name}:{name}"
        return None


def definition_site(definition: Any, frame: FrameType | None) -> DefinitionSite | None:
    """The site of the code that called `definition`'s constructor (`frame`: the constructor's caller); the
    `__init__` of a subclass is looked through."""
    while frame is not None and frame.f_code.co_name == "__init__" and frame.f_locals.get("self") is definition:
        frame = frame.f_back
    if frame is None:
        return None
    module_name = frame.f_globals.get("__name__")
    if not isinstance(module_name, str) or module_name == "__main__":
        return None
    qualname = frame.f_code.co_qualname
    if qualname == "<module>":
        return DefinitionSite(module_name, None)
    if "<" in qualname:  # a nested function, a lambda or a comprehension: not importable by name
        return None
    return DefinitionSite(module_name, qualname)
