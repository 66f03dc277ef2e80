"""Which command line opens a call site: the setting's, then $VISUAL, then $EDITOR, with each editor's own way of
saying the line; bad or missing configuration is a message a user can act on."""

from __future__ import annotations

import pytest

from devtools.app.editor import EditorError, editor_argv, open_in_editor


@pytest.mark.parametrize(("editor", "argv"), [
    ("vim", ("vim", "+42", "/src/a.py")),
    ("/usr/bin/nvim", ("/usr/bin/nvim", "+42", "/src/a.py")),
    ("emacs -nw", ("emacs", "-nw", "+42", "/src/a.py")),
    ("nano", ("nano", "+42", "/src/a.py")),
    ("code --wait", ("code", "--wait", "-g", "/src/a.py:42")),
    ("gedit", ("gedit", "/src/a.py")),
])
def test_each_editor_gets_the_line_its_own_way(editor, argv):
    assert editor_argv("/src/a.py", 42, "", {"EDITOR": editor}) == (argv, "$EDITOR")


def test_visual_wins_over_editor_and_the_setting_over_both():
    env = {"VISUAL": "code", "EDITOR": "vim"}
    assert editor_argv("/a b.py", 7, "", env) == (("code", "-g", "/a b.py:7"), "$VISUAL")
    assert editor_argv("/a b.py", 7, "subl {file}:{line}", env) == (("subl", "/a b.py:7"), "setting")


def test_bad_configuration_says_what_is_wrong(tmp_path):
    with pytest.raises(EditorError, match=r"no editor is configured: set an editor command in Settings"):
        editor_argv("/a.py", 1, "", {})
    with pytest.raises(EditorError, match=r"is not a valid command line .*placeholders"):
        editor_argv("/a.py", 1, "vim +{line {file}", {})
    with pytest.raises(EditorError, match=r"is not a file on this machine"):
        open_in_editor(str(tmp_path / "gone.py"), 1, "vim {file}")
