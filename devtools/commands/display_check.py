"""Before Qt starts: is there a screen to open a window on, and can Qt's platform plugin load?

Without this, Qt aborts the process (SIGABRT, a core dump, exit 134) with a message that often blames the wrong
library: with libxcb-icccm4 or libxcb-keysyms1 missing it names xcb-cursor0. So the GUI commands first check what
they can, with no Qt imported: a display (DISPLAY or WAYLAND_DISPLAY, unless QT_QPA_PLATFORM picks a platform that
needs none), every library the xcb platform plugin links (`ldd` on PySide6's `libqxcb.so`), and that the X server
answers. A problem comes back as one line: what is missing, and how to get it or to do without a window.

    problem = display_problem()       # None when Qt can be started
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import re
import shutil
import subprocess
from importlib.util import find_spec
from pathlib import Path

__all__ = ["display_problem", "XCB_PACKAGES", "missing_libraries", "xcb_plugin"]

XCB_PACKAGES: dict[str, str] = {
    "libX11-xcb": "libx11-xcb1", "libX11": "libx11-6", "libxcb": "libxcb1", "libxcb-cursor": "libxcb-cursor0",
    "libxcb-icccm": "libxcb-icccm4", "libxcb-image": "libxcb-image0", "libxcb-keysyms": "libxcb-keysyms1",
    "libxcb-randr": "libxcb-randr0", "libxcb-render-util": "libxcb-render-util0", "libxcb-render": "libxcb-render0",
    "libxcb-shape": "libxcb-shape0", "libxcb-shm": "libxcb-shm0", "libxcb-sync": "libxcb-sync1",
    "libxcb-util": "libxcb-util1", "libxcb-xfixes": "libxcb-xfixes0", "libxcb-xkb": "libxcb-xkb1",
    "libxkbcommon-x11": "libxkbcommon-x11-0", "libxkbcommon": "libxkbcommon0", "libGL": "libgl1",
    "libEGL": "libegl1", "libGLX": "libglx0", "libOpenGL": "libopengl0", "libfontconfig": "libfontconfig1",
    "libfreetype": "libfreetype6", "libdbus-1": "libdbus-1-3", "libglib-2.0": "libglib2.0-0",
    "libgthread-2.0": "libglib2.0-0",
}
"""The Debian package of each library (by its name before `.so`) the xcb platform plugin links."""

_WITHOUT_A_WINDOW = "or run without a window: --screenshot out.png (or QT_QPA_PLATFORM=offscreen)"
_NEEDS_NO_DISPLAY = ("offscreen", "minimal", "minimalegl", "vnc", "linuxfb", "eglfs", "vkkhrdisplay")


def _platform() -> str:
    """The platform Qt will try first (QT_QPA_PLATFORM may list several, `;`-separated, and carry `:options`)."""
    return os.environ.get("QT_QPA_PLATFORM", "").split(";")[0].split(":")[0].strip().lower()


def xcb_plugin() -> Path | None:
    """The xcb platform plugin Qt would load: under QT_QPA_PLATFORM_PLUGIN_PATH when set (Qt looks there first),
    else PySide6's own; None when PySide6 is not installed."""
    override = os.environ.get("QT_QPA_PLATFORM_PLUGIN_PATH")
    if override and (Path(override) / "libqxcb.so").is_file():
        return Path(override) / "libqxcb.so"
    spec = find_spec("PySide6")
    if spec is None or not spec.submodule_search_locations:
        return None
    plugin = Path(next(iter(spec.submodule_search_locations))) / "Qt" / "plugins" / "platforms" / "libqxcb.so"
    return plugin if plugin.is_file() else None


def missing_libraries(plugin: Path) -> list[str]:
    """The libraries `plugin` links (directly or not) that the dynamic loader cannot find."""
    ldd = shutil.which("ldd")
    if ldd is None:  # no ldd: try the libraries Qt's xcb plugin is known to need, one by one
        return [f"{stem}.so" for stem in XCB_PACKAGES if not _loads(stem)]
    try:
        out = subprocess.run([ldd, str(plugin)], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    return sorted({m.group(1) for m in re.finditer(r"^\s*(\S+)\s+=>\s+not found", out, re.MULTILINE)})


def _loads(stem: str) -> bool:
    name = ctypes.util.find_library(stem.removeprefix("lib"))
    if name is None:
        return False
    try:
        ctypes.CDLL(name)
    except OSError:
        return False
    return True


def _how_to_install(missing: list[str]) -> str:
    packages = sorted({XCB_PACKAGES[stem] for lib in missing if (stem := lib.split(".so")[0]) in XCB_PACKAGES})
    unknown = [lib for lib in missing if lib.split(".so")[0] not in XCB_PACKAGES]
    how = [f"apt-get install {' '.join(packages)}"] if packages else []
    how += [f"find the package holding {lib} (apt-file search {lib})" for lib in unknown]
    return "; ".join(how)


def _x_server_problem(display: str) -> str | None:
    """Why no connection to the X server `display` can be made (None when one can): asked of libxcb itself, so the
    address, its socket and the authority file are judged exactly as Qt's xcb plugin will judge them."""
    try:
        xcb = ctypes.CDLL("libxcb.so.1")
    except OSError:
        return None  # reported as a missing library already
    xcb.xcb_connect.restype = ctypes.c_void_p
    xcb.xcb_connect.argtypes = [ctypes.c_char_p, ctypes.c_void_p]
    xcb.xcb_connection_has_error.argtypes = [ctypes.c_void_p]
    xcb.xcb_disconnect.argtypes = [ctypes.c_void_p]
    connection = xcb.xcb_connect(None, None)
    try:
        if connection and not xcb.xcb_connection_has_error(connection):
            return None
    finally:
        if connection:
            xcb.xcb_disconnect(connection)
    return (f"cannot connect to the X server at DISPLAY={display} (is it running, and may this user use it? "
            f"XAUTHORITY names the key)")


def display_problem() -> str | None:
    """One line saying why Qt cannot open a window here and what to do, or None when it can (or when the platform
    asked for needs no display). Imports no Qt."""
    platform = _platform()
    if platform in _NEEDS_NO_DISPLAY or platform.startswith("wayland"):
        return None
    display = os.environ.get("DISPLAY", "")
    if platform != "xcb" and os.environ.get("WAYLAND_DISPLAY"):
        return None  # Qt may pick Wayland; it falls back to xcb on its own
    if not display:
        where = "QT_QPA_PLATFORM=xcb but DISPLAY is unset" if platform == "xcb" else \
            "DISPLAY and WAYLAND_DISPLAY are unset"
        return (f"no display to open the window on ({where}); start it in a desktop session or under Xvfb "
                f"(xvfb-run tickscope), {_WITHOUT_A_WINDOW}")
    # Both problems are named at once when both hold, so fixing one does not just reveal the other.
    problems = []
    plugin = xcb_plugin()
    missing = missing_libraries(plugin) if plugin is not None else []
    if missing:
        problems.append(f"Qt's xcb platform (a window on X) needs {', '.join(missing)}, not installed: "
                        f"{_how_to_install(missing)}")
    server = _x_server_problem(display)
    if server is not None:
        problems.append(server if not problems else f"and it {server}")
    return f"{'; '.join(problems)}; {_WITHOUT_A_WINDOW}" if problems else None
