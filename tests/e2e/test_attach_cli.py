"""`tickscope attach` as a user runs it: a window on another process's runtime, rendered offscreen to a PNG."""

from __future__ import annotations

import os
import subprocess
import sys

from attach_support import ROOT


def test_attach_opens_the_devtools_on_a_remote_runtime(inspected_app, tmp_path):
    shot = tmp_path / "attached.png"
    env = dict(os.environ, PYTHONPATH=str(ROOT), QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path))
    proc = subprocess.run(
        [sys.executable, "-m", "devtools.cli", "attach", inspected_app.address, "--token", inspected_app.token,
         "--screenshot", str(shot), "--exit-after", "2.5"],
        capture_output=True, text=True, timeout=120, env=env, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    from PySide6.QtGui import QImage

    image = QImage(str(shot))
    assert not image.isNull() and image.width() >= 800 and image.height() >= 600
    colours = {image.pixel(x, y) for x in range(0, image.width(), 37) for y in range(0, image.height(), 41)}
    assert len(colours) > 20  # panes drawn with content, not an empty frame


def test_attach_with_a_wrong_token_exits_with_the_reason(inspected_app, tmp_path):
    env = dict(os.environ, PYTHONPATH=str(ROOT), QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path))
    proc = subprocess.run(
        [sys.executable, "-m", "devtools.cli", "attach", inspected_app.address, "--token", "nope", "--exit-after", "1"],
        capture_output=True, text=True, timeout=120, env=env, cwd=ROOT)
    assert proc.returncode == 1 and "wrong token (auth_failed)" in proc.stderr
