"""Where a dispatch came from: the frames above a runtime entry point, taken at diagnostics level full only.

Like Redux DevTools' `trace` / `traceLimit`: at most `limit` frames (default 10), innermost first. Frames inside
tickscope's own packages (`runtime`, and `devtools` except its demo application) and library frames (the standard
library, site-packages and console scripts: asyncio, qasync, pytest, bin/tickscope) are left out, so the first
frame is the user's line. A call that reaches the runtime from tickscope's own code called by the event loop or a
framework, before any user frame (a devtools command, a Qt signal through the adapter), keeps tickscope's frames
instead: the user's `qasync.run(main())` far below is not where it came from.

    {"file": "/home/ada/shop/cart.py", "line": 42, "function": "on_add", "frames": [{file, line, function}, ...],
     "truncated": false}

Only `full` walks frames: every caller tests `sink.full` before calling `capture`, so light and off never walk
(`CallSites.walks` counts the walks; tests/runtime/test_call_sites.py holds that to zero below full).

The walk keeps only each frame's code object and last instruction (a TakenSite): its line (from the code's line
table), function name and the dicts above are worked out when the site is first read, which for an event is when
the event is built (most events of a running app are let go unread). The line is the one the frame was at when the
site was taken, however the frame went on (tests/runtime/test_call_site_taken.py).
"""

from __future__ import annotations

import os
import sys
import sysconfig
from collections.abc import Mapping
from pathlib import Path
from types import CodeType, FrameType
from typing import Any

from runtime.debug.taken_site import TakenSite

__all__ = ["CallSite", "CallSites", "DEFAULT_CALL_SITE_LIMIT", "HeldSite", "TakenSite", "exported_site"]

CallSite = dict[str, Any]
"""The exported call site (JSON, bounded by the limit)."""
HeldSite = Mapping[str, Any]
"""A call site as a transaction or a pending write holds it: taken by `capture` (a TakenSite) or given as a dict."""

DEFAULT_CALL_SITE_LIMIT = 10
MAX_DEPTH = 64
"""Frames looked at in all: a deep recursion in the caller does not make every dispatch walk it whole."""
_DEPTHS = range(MAX_DEPTH)

_RUNTIME_DIR = Path(__file__).resolve().parents[1]
_OWN_DIRS = (str(_RUNTIME_DIR) + os.sep, str(_RUNTIME_DIR.parent / "devtools") + os.sep)
_USER_DIRS = (str(_RUNTIME_DIR.parent / "devtools" / "demo") + os.sep,)
"""Inside the own packages but the user's side: the demo is an application built on the adapter."""
_LIBRARY_DIRS = tuple(sorted({str(Path(p).resolve()) + os.sep
                              for key in ("stdlib", "platstdlib", "purelib", "platlib", "scripts")
                              if (p := sysconfig.get_paths().get(key))}))

_USER, _LIBRARY, _OWN = 0, 1, 2
_getframe = sys._getframe  # noqa: SLF001  (the one way to start a walk without a Python-level call per capture)


def _where(filename: str) -> int:
    if filename.startswith(_USER_DIRS):
        return _USER
    if filename.startswith(_OWN_DIRS):
        return _OWN
    if filename.startswith("<frozen") or filename.startswith(_LIBRARY_DIRS):
        return _LIBRARY
    resolved = str(Path(filename).resolve()) if filename and not filename.startswith("<") else filename
    if resolved != filename:
        return _where(resolved)
    return _USER


class CallSites:
    """Takes call sites for one runtime's sink (its `limit`; `walks` counts the frame walks made)."""

    __slots__ = ("limit", "walks", "_kinds")

    def __init__(self, limit: int = DEFAULT_CALL_SITE_LIMIT) -> None:
        self.set_limit(limit)
        self.walks = 0
        self._kinds: dict[str, int] = {}
        """Each file's kind (user, library, own), worked out once per file."""

    def set_limit(self, limit: int) -> None:
        """At most `limit` frames per call site; 0 records none (and walks nothing)."""
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
            raise ValueError(f"call site limit must be an integer >= 0, not {limit!r}")
        self.limit = limit

    def capture(self, skip: int = 1) -> TakenSite | None:
        """The call site of the caller's caller (`skip` frames above this call are not looked at), unresolved."""
        limit = self.limit
        if limit == 0:
            return None
        self.walks += 1
        kinds = self._kinds
        user: list[CodeType | int] = []  # code, f_lasti, code, f_lasti, ...: one object for the collector to visit
        own: list[CodeType | int] = []
        full = 2 * limit
        frame: FrameType | None = _getframe(skip)
        for _ in _DEPTHS:
            if frame is None:
                break
            code = frame.f_code
            kind = kinds.get(code.co_filename)
            if kind is None:
                kind = kinds[code.co_filename] = _where(code.co_filename)
            if kind == _USER:
                user += (code, frame.f_lasti)  # the line is worked out from f_lasti when read
                if len(user) == full:
                    return TakenSite(user, frame.f_back is not None)
            elif not user:
                if kind == _LIBRARY:  # the event loop or a framework called tickscope: its own frames say from where
                    if not own:
                        own += (code, frame.f_lasti)
                    break
                if len(own) < full:
                    own += (code, frame.f_lasti)
            frame = frame.f_back
        chosen = user or own
        return TakenSite(chosen, False) if chosen else None


def exported_site(site: HeldSite) -> CallSite:
    """The JSON form of a site a transaction holds: a taken one resolved (once), one given as a dict as it is."""
    if isinstance(site, TakenSite):
        return site.exported()
    return site if isinstance(site, dict) else dict(site)
