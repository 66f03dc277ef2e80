"""The pytest plugin as users meet it: run through pytester on real test files, including the README example."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
pytest_plugins = ["pytester"]
# The plugin is loaded explicitly, whether or not tickscope is installed (then its entry point is blocked instead).
PLUGIN = ("-p", "no:tickscope", "-p", "runtime.testing.pytest_plugin", "-p", "no:cacheprovider",
          "-o", "asyncio_default_fixture_loop_scope=function")


def readme_example() -> str:
    text = (ROOT / "README.md").read_text()
    match = re.search(r"<!-- tested: tests/runtime/testing/test_pytest_plugin.py[^>]*-->\s*```python\n(.*?)```",
                      text, re.S)
    assert match, "the README's plugin example (marked with its tested comment) is missing"
    return match.group(1)


def test_the_readme_example_passes(pytester):
    pytester.makepyfile(test_cart=readme_example())
    result = pytester.runpytest(*PLUGIN)
    result.assert_outcomes(passed=1)
    assert not (pytester.path / "tickscope-traces").exists()  # a passing test keeps no trace


def test_a_failing_test_keeps_its_trace_and_names_it_in_the_report(pytester, check_trace):
    pytester.makepyfile(test_cart=readme_example() + '''

def test_a_wrong_expectation(tickscope, tickscope_runtime):
    inst = tickscope_runtime.mount(cart)
    inst.dispatch("add", 3)
    inst.dispatch("add", 4)
    assert inst.get_state()["total"] == 8
''')
    result = pytester.runpytest(*PLUGIN, "--junitxml=report.xml")
    result.assert_outcomes(passed=1, failed=1)
    output = result.stdout.str()
    assert "tickscope trace" in output
    (kept,) = re.findall(r"kept at (\S+\.jsonl)", output)
    path = Path(kept)
    assert path.parent == pytester.path / "tickscope-traces"
    assert path.name == "test_cart.py_test_a_wrong_expectation.jsonl"
    assert path.is_file() and "add" in path.read_text()
    code, report = check_trace(path)
    assert code == 0, report
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # only the failing test's trace is kept
    assert f'name="tickscope_trace" value="{path}"' in (pytester.path / "report.xml").read_text()


def test_trace_dir_option_and_helper_failures_read_well(pytester, tmp_path):
    pytester.makepyfile(test_helpers='''
from runtime import Module

m = Module("form", initial={"name": "", "email": ""})

@m.reducer("rename")
def rename(draft, name):
    draft["name"] = name

def test_touch(tickscope, tickscope_runtime):
    inst = tickscope_runtime.mount(m)
    tickscope.assert_touched(inst.dispatch("rename", "Ada"), "email")
''')
    where = tmp_path / "kept"
    result = pytester.runpytest(*PLUGIN, f"--tickscope-trace-dir={where}")
    result.assert_outcomes(failed=1)
    output = result.stdout.str()
    assert "AssertionError: form#1::t1 did not touch 'email'; it touched ['name']" in output
    assert f"kept at {where}/test_helpers.py_test_touch.jsonl" in output
    assert (where / "test_helpers.py_test_touch.jsonl").is_file()


def test_async_runs_on_the_tests_event_loop(pytester):
    pytester.makepyfile(test_runs='''
import asyncio
import pytest
from runtime import Module
from runtime.actions import ActionCoordinator, action

m = Module("todo", initial={"saved": 0})

@pytest.mark.asyncio
async def test_save(tickscope, tickscope_runtime):
    inst = tickscope_runtime.mount(m)
    async def save(ctx, payload):
        await asyncio.sleep(0.01)
        return payload
    run = ActionCoordinator(inst).trigger(action("save", save), 1)
    await run.settled()
    tickscope.assert_run_settled("save", "success")
    tickscope.assert_no_pending()

@pytest.mark.asyncio
async def test_forgotten_run(tickscope, tickscope_runtime):
    inst = tickscope_runtime.mount(m)
    async def hang(ctx, payload):
        await asyncio.sleep(60)
    ActionCoordinator(inst).trigger(action("hang", hang))
    await asyncio.sleep(0)
    tickscope.assert_no_pending()
''')
    result = pytester.runpytest(*PLUGIN, "-o", "asyncio_mode=strict")
    result.assert_outcomes(passed=1, failed=1)
    assert re.search(r"left pending: run todo#1::o\d+ \(hang: pending\)", result.stdout.str())


QT_TEST = '''
import asyncio
import pytest
import qasync
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget
from runtime import Module, Runtime

counter = Module("counter", initial={"n": 0})

@counter.reducer("inc")
def inc(draft, _):
    draft["n"] += 1


class CounterApp(QWidget):
    """A user's Qt application: a label bound to a runtime topic, a button that dispatches."""

    def __init__(self):
        super().__init__()
        self.runtime = Runtime(label="app", diagnostics="light")
        self.inst = self.runtime.mount(counter)
        self.topic = self.runtime.store.topic(self.inst)
        self.label = QLabel("0")
        self.button = QPushButton("+1")
        self.button.clicked.connect(lambda: self.inst.dispatch("inc"))
        self.topic.subscribe(lambda: self.label.setText(str(self.topic.get_snapshot()["n"])))
        layout = QVBoxLayout(self)
        layout.addWidget(self.label)
        layout.addWidget(self.button)


@pytest.fixture
def aio(qapp):
    loop = qasync.QEventLoop(qapp, already_running=True)
    asyncio.set_event_loop(loop)
    yield loop
    asyncio.events._set_running_loop(None)
    loop._QEventLoop__is_running = False
    loop.close()
    asyncio.set_event_loop(None)


def test_clicks_reach_the_label_one_tick_at_a_time(qtbot, aio, tickscope):
    app = CounterApp()
    qtbot.addWidget(app)
    tickscope.record(app.runtime)
    tickscope.watch_tearing(app.runtime)
    for _ in range(3):
        qtbot.mouseClick(app.button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: app.label.text() == "3")
    assert len(tickscope.select(label="inc")) == 3
    tickscope.assert_touched("counter#1::t3", "n")
    tickscope.assert_no_tearing()
    app.runtime.dispose()


def test_a_failing_qt_test_keeps_its_trace(qtbot, aio, tickscope):
    app = CounterApp()
    qtbot.addWidget(app)
    tickscope.record(app.runtime)
    qtbot.mouseClick(app.button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: app.label.text() == "1")
    assert app.label.text() == "2"
'''


@pytest.mark.needs_qt(reason="runs a pytest-qt test of a Qt widget on a qasync loop")
def test_works_with_pytest_qt_on_a_qasync_loop(pytester, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", str(ROOT))  # a separate process: Qt gets a fresh QApplication there
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    pytester.makepyfile(test_qt_app=QT_TEST)
    pytester.makeini("[pytest]\nqt_api = pyside6\n")
    result = pytester.runpytest_subprocess(*PLUGIN, timeout=120)
    result.assert_outcomes(passed=1, failed=1)
    (kept,) = re.findall(r"kept at (\S+\.jsonl)", result.stdout.str())
    assert Path(kept).name == "test_qt_app.py_test_a_failing_qt_test_keeps_its_trace.jsonl"
    assert '"inc"' in Path(kept).read_text()


def test_the_plugin_is_registered_through_the_pytest11_entry_point():
    # what pytest itself does: find the installed distribution's pytest11 entry point and load it
    code = ("import sys; from importlib.metadata import entry_points; "
            "(ep,) = [e for e in entry_points(group='pytest11') if e.name == 'tickscope']; p = ep.load(); "
            "print(p.__name__, hasattr(p, 'tickscope'), hasattr(p, 'tickscope_runtime'), "
            "any(m.startswith('PySide6') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert out.returncode == 0, out.stderr
    # the fixtures are there, and no Qt was imported
    assert out.stdout.split() == ["runtime.testing.pytest_plugin", "True", "True", "False"], out.stderr


def test_a_typo_in_a_field_path_fails_the_test_and_names_the_fields(pytester):
    pytester.makepyfile(test_typo='''
from runtime import Module, computed

cart = Module("cart", initial={"items": [], "total": 0, "customer": {"email": ""}},
              fields=[computed("total", deps=["items"], derive=lambda items: sum(items))])

@cart.reducer("add")
def add(draft, price):
    draft["items"].append(price)

def test_typo(tickscope, tickscope_runtime):
    record = tickscope_runtime.mount(cart).dispatch("add", 3)
    tickscope.assert_not_touched(record, "customer.email")  # a real path, untouched: passes
    tickscope.assert_not_touched(record, "items.0")         # under a field: checked against items, fails
''', test_typo2='''
from test_typo import cart

def test_typo(tickscope, tickscope_runtime):
    record = tickscope_runtime.mount(cart).dispatch("add", 3)
    tickscope.assert_not_touched(record, "totl")
''')
    result = pytester.runpytest(*PLUGIN)
    result.assert_outcomes(failed=2)
    output = result.stdout.str()
    assert "AssertionError: cart#1::t2 touched 'items.0' (through ['items'])" in output
    assert ("runtime.errors.UnknownFieldPath: module 'cart' has no field path 'totl'; its fields: customer, "
            "customer.email, items, total") in output
