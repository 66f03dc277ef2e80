"""The desktop package: the PyInstaller one-folder build starts the devtools, and its desktop metadata is sound."""

from __future__ import annotations

import configparser
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ICONS = ROOT / "resources" / "icons"


def read_desktop(path: Path) -> configparser.SectionProxy:
    entry = configparser.ConfigParser(interpolation=None, delimiters=("=",))
    entry.optionxform = str
    entry.read(path)
    return entry["Desktop Entry"]


def test_desktop_entry_and_icons(qapp):
    from PySide6.QtGui import QImage
    from PySide6.QtSvg import QSvgRenderer

    entry = read_desktop(ROOT / "resources" / "tickscope.desktop")
    assert entry["Type"] == "Application" and entry["Name"] == "tickscope"
    assert entry["Exec"].split()[0] == "tickscope"  # the console script the package installs
    assert entry["Icon"] == "tickscope" and entry["Terminal"] == "false"
    assert entry["Categories"].endswith(";") and "Development" in entry["Categories"].split(";")
    assert QSvgRenderer(str(ICONS / "tickscope.svg")).isValid()
    for size in (48, 128, 256):
        image = QImage(str(ICONS / f"tickscope-{size}.png"))
        assert (image.width(), image.height()) == (size, size)


@pytest.fixture(scope="module")
def built_app(tmp_path_factory):
    """Build once per run (about a minute): python packaging/build.py into a temp dir."""
    where = tmp_path_factory.mktemp("pyinstaller")
    proc = subprocess.run([sys.executable, str(ROOT / "packaging" / "build.py"), "--dist", str(where / "dist"),
                           "--work", str(where / "work")], capture_output=True, text=True, timeout=900, cwd=ROOT)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return where / "dist" / "tickscope"


def test_the_built_application_starts_the_devtools(built_app, tmp_path):
    binary = built_app / "tickscope"
    assert os.access(binary, os.X_OK)
    shot = tmp_path / "frozen.png"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "DISPLAY", "WAYLAND_DISPLAY")}
    env.update(QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path / "config"))
    proc = subprocess.run([str(binary), "--screenshot", str(shot), "--exit-after", "3"], capture_output=True,
                          text=True, timeout=180, env=env, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    from PySide6.QtGui import QImage

    image = QImage(str(shot))
    assert not image.isNull() and image.width() >= 800
    assert len({image.pixel(x, y) for x in range(0, image.width(), 37) for y in range(0, image.height(), 41)}) > 20

    # the same command line, frozen: a headless subcommand works too
    trace = tmp_path / "demo.jsonl"
    proc = subprocess.run([str(binary), "record", "--demo", "--seconds", "1", "-o", str(trace)], capture_output=True,
                          text=True, timeout=120, env=env, cwd=tmp_path)
    assert proc.returncode == 0 and trace.stat().st_size > 0, proc.stderr[-3000:]

    desktop = read_desktop(built_app / "tickscope.desktop")
    assert desktop["Exec"] == f"{binary.resolve()} %f"
    assert Path(desktop["Icon"]).is_file()
