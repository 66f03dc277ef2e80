"""What a new user trips over on the command line, run as they ran it: each gets a plain answer and the right exit.

`import` of a trace (it needs none), a Perfetto file handed to the trace commands, `export` of a damaged trace,
`| head` closing the pipe, and `--help` naming the window's own arguments.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def tickscope(*args: str, stdout: int | None = subprocess.PIPE) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "devtools.cli", *args], cwd=ROOT, stdout=stdout,
                          stderr=subprocess.PIPE, text=True, timeout=120, env=env)


@pytest.fixture(scope="module")
def recorded(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("cli") / "t.jsonl"
    proc = tickscope("record", "--demo", "--seconds", "1", "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    return out


@pytest.fixture(scope="module")
def pftrace(recorded) -> Path:
    out = recorded.with_suffix(".pftrace")
    proc = tickscope("export", str(recorded), "--to", "perfetto", "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    return out


def test_importing_a_trace_says_it_needs_no_import(recorded, tmp_path):
    proc = tickscope("import", str(recorded), "-o", str(tmp_path / "out.jsonl"))
    assert proc.returncode == 1
    assert proc.stderr.strip() == (f"{recorded}: this is a tickscope trace (JSON Lines), not an evidence package: it "
                                   "needs no import, tickscope open / info / check / export read it as it is")
    assert not (tmp_path / "out.jsonl").exists()


@pytest.mark.parametrize("command", ["info", "check", "export", "import"])
def test_a_perfetto_file_is_named_as_one(pftrace, tmp_path, command):
    extra = {"export": ["--to", "chrome", "-o", str(tmp_path / "x.json")],
             "import": ["-o", str(tmp_path / "x.jsonl")]}.get(command, [])
    proc = tickscope(command, str(pftrace), *extra)
    assert proc.returncode == 1
    assert "is a Perfetto protobuf trace" in proc.stderr and "empty" not in proc.stderr


def test_a_chrome_export_is_named_as_one(recorded, tmp_path):
    chrome = tmp_path / "c.json"
    assert tickscope("export", str(recorded), "--to", "chrome", "-o", str(chrome)).returncode == 0
    proc = tickscope("info", str(chrome))
    assert proc.returncode == 1 and "is a Chrome Trace Event JSON file, not a tickscope trace" in \
        proc.stderr.replace(" (tickscope export --to chrome writes them; open it in Perfetto's UI)", "")


def test_exporting_a_damaged_trace_says_what_was_skipped(recorded, tmp_path):
    lines = recorded.read_bytes().split(b"\n")
    lines[4] = lines[4][: len(lines[4]) // 2]  # a line cut in half, as a crash leaves it
    damaged = tmp_path / "damaged.jsonl"
    damaged.write_bytes(b"\n".join(lines))
    out = tmp_path / "damaged.json"

    proc = tickscope("export", str(damaged), "--to", "chrome", "-o", str(out))
    assert proc.returncode == 1
    said = proc.stderr.strip().splitlines()
    assert said[0].startswith(f"tickscope export: {damaged} is damaged: 1 line(s) skipped (line 5: ")
    assert said[1] == f"tickscope export: nothing written to {out}; --allow-damaged exports the rest"
    assert not out.exists()

    proc = tickscope("export", str(damaged), "--to", "chrome", "-o", str(out), "--allow-damaged")
    assert proc.returncode == 0, proc.stderr
    assert "1 line(s) skipped (line 5: " in proc.stderr
    assert out.stat().st_size > 0 and f"{out}: " in proc.stdout


@pytest.mark.parametrize("command", ["info", "check"])
def test_a_closed_pipe_ends_quietly(recorded, command):
    """`tickscope info t.jsonl | head -0`: the reader is gone before the first line is written."""
    read, write = os.pipe()
    os.close(read)
    try:
        proc = tickscope(command, str(recorded), stdout=write)
    finally:
        os.close(write)
    assert proc.returncode == 0
    assert proc.stderr == ""


def test_help_names_the_window_arguments():
    proc = tickscope("--help")
    assert proc.returncode == 0
    usage = proc.stdout.split("\n\n")[0]  # the usage paragraph, which argparse wraps
    assert usage.startswith("usage: tickscope") and "[FILE]" in usage
    for option in ("--screenshot PATH", "--exit-after SECONDS", "--size WxH", "FILE "):
        assert option in proc.stdout
    assert "COMMAND" in proc.stdout and "attach" in proc.stdout


def test_a_trace_file_as_the_only_argument_opens_its_replay(recorded, tmp_path):
    shot = tmp_path / "replay.png"
    env = dict(os.environ, PYTHONPATH=str(ROOT), QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path))
    proc = subprocess.run([sys.executable, "-m", "devtools.cli", str(recorded), "--screenshot", str(shot),
                           "--exit-after", "1"], cwd=ROOT, capture_output=True, text=True, timeout=120, env=env)
    assert proc.returncode == 0, proc.stderr
    assert shot.stat().st_size > 0
