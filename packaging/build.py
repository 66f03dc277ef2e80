"""Build the one-folder desktop application with PyInstaller.

    python packaging/build.py [--dist DIR] [--work DIR]

Produces DIR/tickscope/ (default dist/tickscope/): the `tickscope` executable, its libraries, the resources, and a
`tickscope.desktop` entry whose Exec and Icon point into that folder (copy it to ~/.local/share/applications/ to
put tickscope in the desktop's menu). Needs the `pyinstaller` package (in the `test` extra). Takes about a minute.
"""

from __future__ import annotations

import argparse
import configparser
import io
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "packaging" / "tickscope.spec"


def desktop_entry(app_dir: Path) -> str:
    """resources/tickscope.desktop with Exec and Icon made absolute for this build."""
    entry = configparser.ConfigParser(interpolation=None, delimiters=("=",))
    entry.optionxform = str  # keys are case-sensitive
    entry.read(ROOT / "resources" / "tickscope.desktop")
    section = entry["Desktop Entry"]
    section["Exec"] = f"{app_dir / 'tickscope'} %f"
    section["TryExec"] = str(app_dir / "tickscope")
    section["Icon"] = str(app_dir / "_internal" / "resources" / "icons" / "tickscope-256.png")
    out = io.StringIO()
    entry.write(out, space_around_delimiters=False)
    return out.getvalue()


def build(dist: Path, work: Path) -> Path:
    started = time.monotonic()
    try:
        import PyInstaller  # noqa: F401
    except ImportError:
        raise SystemExit("packaging/build.py needs PyInstaller: pip install -e '.[test]' "
                         "(or pip install pyinstaller)") from None
    cmd = [sys.executable, "-m", "PyInstaller", "--noconfirm", "--clean", "--log-level", "WARN",
           "--distpath", str(dist), "--workpath", str(work), str(SPEC)]
    subprocess.run(cmd, check=True, cwd=ROOT)
    app_dir = dist / "tickscope"
    (app_dir / "tickscope.desktop").write_text(desktop_entry(app_dir.resolve()))
    print(f"built {app_dir} in {time.monotonic() - started:.0f} s; run {app_dir / 'tickscope'}")
    return app_dir


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dist", type=Path, default=ROOT / "dist")
    parser.add_argument("--work", type=Path, default=ROOT / "build" / "pyinstaller")
    args = parser.parse_args(argv)
    build(args.dist, args.work)
    return 0


if __name__ == "__main__":
    sys.exit(main())
