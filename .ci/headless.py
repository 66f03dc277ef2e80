"""The headless run: the runtime's and the operations' tests with PySide6, shiboken6, qasync and pyqtgraph
unavailable, as on a machine without Qt.

Every Python process of the run (pytest and whatever its tests start) imports .ci/headless/sitecustomize.py, which
puts an import blocker first on sys.meta_path. Plugin autoloading is off so that pytest-qt is not loaded (it needs
Qt), in pytester's inner runs too; every other installed pytest plugin is named in PYTEST_PLUGINS instead. Tests
that really need Qt carry `@pytest.mark.needs_qt(reason=...)`: they are left out and listed at the end.

    python .ci/headless.py [pytest args]      # with no test path among them: tests/runtime tests/operations
"""

from __future__ import annotations

import os
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEADLESS = ROOT / ".ci" / "headless"
QT_PLUGINS = {"pytest-qt"}
NO_TESTS_COLLECTED = 5
DEFAULT_TARGETS = ["tests/runtime", "tests/operations"]


def plugins_but_qt() -> list[str]:
    """The modules of every installed pytest11 plugin except the Qt ones."""
    return sorted({ep.value.partition(":")[0] for ep in entry_points(group="pytest11") if ep.name not in QT_PLUGINS})


# Every module of the runtime package imported with Qt blocked, tests or not: names each one that needs Qt.
IMPORT_EVERY_MODULE = """
import importlib, pkgutil, runtime
failed = []
for info in pkgutil.walk_packages(runtime.__path__, "runtime."):
    try:
        importlib.import_module(info.name)
    except ImportError as exc:
        failed.append(f"{info.name}: {exc}")
print(f"headless: imported every module of runtime with Qt blocked; {len(failed)} failed")
for line in failed:
    print("  " + line)
raise SystemExit(1 if failed else 0)
"""


def main(args: list[str]) -> int:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(HEADLESS), str(ROOT), env.get("PYTHONPATH")) if p)
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    env["PYTEST_PLUGINS"] = ",".join(plugins_but_qt())
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    names_a_path = any(not a.startswith("-") and (ROOT / a.partition("::")[0]).exists() for a in args)
    targets = [] if names_a_path else DEFAULT_TARGETS
    cmd = [sys.executable, "-m", "pytest", "-p", "headless_plugin", *args, *targets]
    if subprocess.call([sys.executable, "-c", IMPORT_EVERY_MODULE], cwd=ROOT, env=env) != 0:
        return 1
    print("headless:", " ".join(cmd), flush=True)
    print(f"headless: PYTEST_PLUGINS={env['PYTEST_PLUGINS']}", flush=True)
    code = subprocess.call(cmd, cwd=ROOT, env=env)
    if code == NO_TESTS_COLLECTED:
        print("headless: pytest collected no test; a headless run that runs nothing proves nothing", flush=True)
        return 1
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
