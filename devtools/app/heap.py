"""Keep the cyclic garbage collector's full collections short while the devtools run.

A full (generation 2) collection walks every tracked object. After start-up that is several hundred thousand
objects (Qt wrappers, pyqtgraph, numpy, the runtime's modules), so each one stopped the loop for 40-85 ms, and
a busy runtime (or the loader's worker thread: the collector runs in whichever thread allocates, holding the
GIL) triggers one every second or so. `settle()` moves everything alive now into the permanent generation
(`gc.freeze()`), so later collections only walk what was created since. It is called when a devtools context is
built and before a trace load starts: what exists then is the application itself and stays for the whole run.
Garbage that is already unreachable at that moment is never freed; that is a bounded, one-off amount.
"""

from __future__ import annotations

import gc

__all__ = ["settle"]


def settle() -> None:
    """Freeze the objects alive now: later full collections skip them."""
    gc.freeze()
