"""An import blocker for the headless run: importing PySide6, shiboken6, qasync or pyqtgraph raises ImportError, as
on a machine without them. Installed in every Python process of the run (see sitecustomize.py beside this file)."""

from __future__ import annotations

import importlib.abc
import sys
from collections.abc import Sequence
from importlib.machinery import ModuleSpec
from types import ModuleType

BLOCKED = frozenset({"PySide6", "shiboken6", "qasync", "pyqtgraph"})


class QtBlocker(importlib.abc.MetaPathFinder):
    """First on sys.meta_path: refuses the blocked packages before any other finder can find them."""

    def find_spec(self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None,
                  ) -> ModuleSpec | None:
        top = fullname.partition(".")[0]
        if top in BLOCKED:
            raise ImportError(f"No module named {fullname!r} (the headless run blocks {top})", name=fullname)
        return None


def install() -> None:
    if not any(isinstance(finder, QtBlocker) for finder in sys.meta_path):
        sys.meta_path.insert(0, QtBlocker())
    loaded = sorted(name for name in sys.modules if name.partition(".")[0] in BLOCKED)
    if loaded:  # imported before the blocker was in place: the run would not be headless
        raise RuntimeError(f"Qt packages were imported before the headless blocker: {', '.join(loaded)}")
