"""The tickscope pytest plugin (entry point `pytest11: tickscope`): runtimes, traces and assertions for tests.

Fixtures
- `tickscope`: a TraceProbe for this test. `tickscope.record(rt)` watches a runtime (your application's) and writes
  its trace; the assertion helpers are its methods (`assert_no_pending`, `assert_run_settled`, `assert_touched`,
  `assert_not_touched`, `assert_converge_mode`), plus `tickscope.watch_tearing(rt)` / `assert_no_tearing()`.
- `tickscope_runtime`: a Runtime (diagnostics full) already recorded by `tickscope`, disposed after the test. It
  schedules its ticks on whatever asyncio loop runs the test (pytest-asyncio's, or a qasync loop under pytest-qt);
  it needs no loop of its own.

When a test fails (in setup or call), its traces are kept under `--tickscope-trace-dir` (ini `tickscope_trace_dir`,
default `tickscope-traces/` in the rootdir) and the failure report gets a "tickscope trace" section with the path
(also a `tickscope_trace` user property, so JUnit XML carries it). Traces of passing tests are deleted.

No Qt import here: Qt tests bring their own (pytest-qt's qtbot and a qasync loop fixture).
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Generator, Iterator, Sequence
from pathlib import Path

import pytest

from runtime.runtime import Runtime
from runtime.testing.probe import TraceProbe
from runtime.testing.tearing import TearingWatch, WatchedFacade

__all__ = ["TestProbe"]

_PROBE = pytest.StashKey["TestProbe"]()
_KEPT = pytest.StashKey[list[Path]]()


class TestProbe(TraceProbe):
    """The `tickscope` fixture: a TraceProbe plus the tearing watches of this test."""

    __test__ = False  # not a test class, whatever its name

    def __init__(self, trace_dir: Path, name: str) -> None:
        super().__init__(trace_dir, name)
        self.watches: list[TearingWatch] = []

    def watch_tearing(self, runtime: Runtime, facades: Sequence[WatchedFacade] | None = None) -> TearingWatch:
        """Check every read during a tick agrees (all module topics of the mounted instances, or `facades`)."""
        watch = TearingWatch(runtime, facades)
        self.watches.append(watch)
        return watch

    def assert_no_tearing(self) -> None:
        if not self.watches:
            raise AssertionError("no tearing watch: call tickscope.watch_tearing(rt) after mounting")
        for watch in self.watches:
            watch.assert_no_tearing()

    def close(self) -> None:
        for watch in self.watches:
            watch.close()
        super().close()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("tickscope")
    group.addoption("--tickscope-trace-dir", default=None, metavar="DIR",
                    help="where traces of failed tests are kept (default: ini tickscope_trace_dir)")
    parser.addini("tickscope_trace_dir", "where traces of failed tests are kept", default="tickscope-traces")


def _kept_dir(config: pytest.Config) -> Path:
    chosen = config.getoption("--tickscope-trace-dir") or config.getini("tickscope_trace_dir")
    path = Path(chosen)
    return path if path.is_absolute() else config.rootpath / path


def _file_name(nodeid: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", nodeid).strip("_")[:180] or "test"


@pytest.fixture
def tickscope(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[TestProbe]:
    probe = TestProbe(tmp_path / "tickscope-trace", _file_name(request.node.nodeid))
    request.node.stash[_PROBE] = probe
    yield probe
    probe.close()
    kept = request.node.stash.get(_KEPT, None)
    for source, target in zip(probe.paths, kept or [], strict=False):
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(source), target)
    if not kept:
        for source in probe.paths:
            source.unlink(missing_ok=True)


@pytest.fixture
def tickscope_runtime(tickscope: TestProbe) -> Iterator[Runtime]:
    rt = Runtime(label="test", diagnostics="full")
    tickscope.record(rt)
    yield rt
    rt.dispose()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item,
                              call: pytest.CallInfo[None]) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    probe = item.stash.get(_PROBE, None)
    if probe is not None and report.failed and report.when in ("setup", "call") and probe.paths:
        where = _kept_dir(item.config)
        kept = [where / p.name for p in probe.paths]
        item.stash[_KEPT] = kept
        report.sections.append(("tickscope trace", "\n".join(f"kept at {p}" for p in kept)))
        for path in kept:
            item.user_properties.append(("tickscope_trace", str(path)))
    return report
