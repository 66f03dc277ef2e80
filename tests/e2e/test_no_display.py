"""`tickscope` where Qt cannot open a window: one line saying what is missing and how to get it, never a core dump.

Qt itself aborts (SIGABRT, exit 134) in each of these cases, and blames xcb-cursor0 when libxcb-icccm4 and
libxcb-keysyms1 are missing. The libraries case is made real with a copy of PySide6's xcb plugin whose two links
name library versions no machine has, found by Qt through its own QT_QPA_PLATFORM_PLUGIN_PATH.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from attach_support import ROOT

from devtools.commands.display_check import xcb_plugin


def tickscope(tmp_path: Path, *args: str, **env: str | None) -> subprocess.CompletedProcess[str]:
    environ = dict(os.environ, PYTHONPATH=str(ROOT), XDG_CONFIG_HOME=str(tmp_path))
    for key in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM", "QT_QPA_PLATFORM_PLUGIN_PATH"):
        environ.pop(key, None)
    environ.update({k: v for k, v in env.items() if v is not None})
    return subprocess.run([sys.executable, "-m", "devtools.cli", *args], capture_output=True, text=True,
                          timeout=120, env=environ, cwd=ROOT)


def one_line(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 1, (proc.returncode, proc.stderr)  # not 134 (SIGABRT), not a negative signal
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "--screenshot" in lines[0] and "QT_QPA_PLATFORM=offscreen" in lines[0]
    return lines[0]


def test_no_display_says_so_and_how_to_run_without_one(tmp_path):
    line = one_line(tickscope(tmp_path))
    assert line.startswith("tickscope: no display") and "DISPLAY and WAYLAND_DISPLAY are unset" in line
    attach = one_line(tickscope(tmp_path, "attach", "127.0.0.1:9", "--token", "t", QT_QPA_PLATFORM="xcb"))
    assert attach.startswith("tickscope attach: no display") and "DISPLAY is unset" in attach


def test_an_x_server_that_is_not_there_is_named(tmp_path):
    line = one_line(tickscope(tmp_path, DISPLAY=":87"))
    assert "cannot connect to the X server at DISPLAY=:87" in line


@pytest.fixture
def plugin_missing_icccm_and_keysyms(tmp_path) -> Path:
    plugin = xcb_plugin()
    if plugin is None:
        pytest.skip("PySide6 ships no xcb platform plugin here")
    data = plugin.read_bytes()
    for name in (b"libxcb-icccm.so.4", b"libxcb-keysyms.so.1"):
        assert data.count(name + b"\0") == 1
        data = data.replace(name + b"\0", name[:-1] + b"9\0")  # the same length: the ELF stays valid
    platforms = tmp_path / "plugins" / "platforms"
    platforms.mkdir(parents=True)
    (platforms / "libqxcb.so").write_bytes(data)
    (tmp_path / "lib").symlink_to(plugin.parents[2] / "lib")  # the plugin's RUNPATH is $ORIGIN/../../lib
    return platforms


def test_missing_xcb_libraries_are_named_with_their_debian_packages(tmp_path, plugin_missing_icccm_and_keysyms):
    line = one_line(tickscope(tmp_path, DISPLAY=":87",
                              QT_QPA_PLATFORM_PLUGIN_PATH=str(plugin_missing_icccm_and_keysyms)))
    # Each renamed library by name (a machine without the real ones also lists those, in the same sentence).
    needs = line.split(" needs ", 1)[1].split(", not installed", 1)[0].split(", ")
    assert {"libxcb-icccm.so.9", "libxcb-keysyms.so.9"} <= set(needs)
    assert "apt-get install libxcb-icccm4 libxcb-keysyms1" in line
    assert "cursor" not in line
    assert "and it cannot connect to the X server at DISPLAY=:87" in line  # both problems, in one line


def test_a_screenshot_needs_no_display(tmp_path):
    shot = tmp_path / "shot.png"
    proc = tickscope(tmp_path, "--screenshot", str(shot), "--exit-after", "0.5")
    assert proc.returncode == 0, proc.stderr
    assert shot.stat().st_size > 0


@pytest.mark.skipif(shutil.which("xvfb-run") is None, reason="xvfb-run is not installed (.ci/run installs it)")
def test_a_real_window_on_xvfb(tmp_path):
    shot = tmp_path / "xcb.png"
    environ = dict(os.environ, PYTHONPATH=str(ROOT), XDG_CONFIG_HOME=str(tmp_path), QT_QPA_PLATFORM="xcb")
    proc = subprocess.run(["xvfb-run", "-a", "-s", "-screen 0 1440x900x24", sys.executable, "-m", "devtools.cli",
                           "--screenshot", str(shot), "--exit-after", "1"],
                          capture_output=True, text=True, timeout=120, env=environ, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert shot.stat().st_size > 0
