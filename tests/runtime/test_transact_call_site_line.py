"""`transact` at diagnostics level full records the line that called it, not its caller's caller. Not in the
mutation selection (bench/mutation.py): under mutmut the first frame outside the runtime is its trampoline."""

from __future__ import annotations

from pathlib import Path

from runtime import Module, Runtime


def edit(inst):
    return inst.transact(lambda d: d.__setitem__("text", "a"), origin_kind="devtools")  # the transact line


def test_transact_at_full_names_the_line_and_function_that_called_it():
    inst = Runtime(diagnostics="full").mount(Module("notes", {"text": ""}))
    record = edit(inst)
    assert record is not None and record.origin.site is not None
    line = next(i for i, text in enumerate(Path(__file__).read_text().splitlines(), 1)
                if text.endswith("# the transact line"))
    site = record.origin.site
    assert (site["file"], site["line"], site["function"]) == (__file__, line, "edit")
