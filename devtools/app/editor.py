"""Open a file at a line in the user's editor: the call site of a dispatch, clicked in the inspector. No Qt.

Which editor, first that applies:

1. the devtools setting `editorCommand`, a command line with `{file}` and `{line}` placeholders
   (`code -g {file}:{line}`, `subl {file}:{line}`, `emacsclient -n +{line} {file}`);
2. `$VISUAL`, then `$EDITOR`: vi, vim, nvim, emacs, nano and most terminal editors get `+LINE FILE`; VS Code
   (`code`, `code-insiders`, `codium`) gets `-g FILE:LINE`; anything else gets `FILE`.

The editor is started and never waited for (a thread reaps it), so the GUI never blocks on it. Everything that
keeps it from starting (no editor configured, a malformed command line, a file that is not on this machine, a
program that cannot be started) raises EditorError with a message a user can act on.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

__all__ = ["EditorError", "EditorLaunch", "editor_argv", "open_in_editor"]

_PLUS_LINE = {"vi", "vim", "nvim", "gvim", "mvim", "emacs", "emacsclient", "nano", "micro", "kak", "joe", "ne",
              "mg", "jed", "hx", "helix"}
_GOTO = {"code", "code-insiders", "codium", "vscodium", "cursor"}
_NONE_CONFIGURED = ("no editor is configured: set an editor command in Settings (e.g. `code -g {file}:{line}`), "
                    "or $VISUAL / $EDITOR")


class EditorError(Exception):
    """The editor could not be started; the message says why and what to do."""


@dataclass(frozen=True, slots=True)
class EditorLaunch:
    """An editor that was started: its command line and where it came from (`setting`, `$VISUAL`, `$EDITOR`)."""

    argv: tuple[str, ...]
    source: str
    pid: int

    def text(self, file: str, line: int) -> str:
        return f"opened {Path(file).name}:{line} in {Path(self.argv[0]).name} ({self.source})"


def editor_argv(file: str, line: int, command: str = "",
                environ: Mapping[str, str] | None = None) -> tuple[tuple[str, ...], str]:
    """(the command line that opens `file` at `line`, where the editor came from). Raises EditorError."""
    env = os.environ if environ is None else environ
    if command.strip():
        try:
            words = shlex.split(command)
            return tuple(w.format(file=file, line=line) for w in words), "setting"
        except (ValueError, KeyError, IndexError) as err:
            raise EditorError(f"the editor command {command!r} is not a valid command line ({err}); use {{file}} "
                              "and {line} as placeholders") from None
    for name in ("VISUAL", "EDITOR"):
        value = env.get(name, "").strip()
        if value:
            try:
                words = shlex.split(value)
            except ValueError as err:
                raise EditorError(f"${name}={value!r} is not a valid command line ({err})") from None
            program = Path(words[0]).name
            if program in _GOTO:
                return (*words, "-g", f"{file}:{line}"), f"${name}"
            if program in _PLUS_LINE:
                return (*words, f"+{line}", file), f"${name}"
            return (*words, file), f"${name}"
    raise EditorError(_NONE_CONFIGURED)


def open_in_editor(file: str, line: int, command: str = "",
                   environ: Mapping[str, str] | None = None) -> EditorLaunch:
    """Start the editor on `file` at `line` and return at once. Raises EditorError."""
    if not Path(file).is_file():
        raise EditorError(f"{file} is not a file on this machine (recorded elsewhere, or moved since)")
    argv, source = editor_argv(file, line, command, environ)
    try:
        process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL, start_new_session=True)
    except OSError as err:
        raise EditorError(f"could not start the editor {argv[0]!r} ({source}): {err.strerror or err}") from None
    threading.Thread(target=process.wait, name=f"tickscope-editor-{process.pid}", daemon=True).start()
    return EditorLaunch(argv, source, process.pid)
