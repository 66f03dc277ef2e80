"""The inspector's one-line elision: what a user reads of a long field path or file name in its sections."""

from __future__ import annotations

import pytest

from devtools.views.elide import elide_end, elide_middle

PATH = "reading.history.minimum"
FILE = "devtools/views/call_site_text.py"


@pytest.mark.parametrize("chars", [2, 5, 9, 12, 22])
def test_a_long_text_keeps_both_ends_within_its_room(chars):
    shown = elide_middle(PATH, chars)
    head, tail = shown.split("…")
    assert len(shown) == chars and PATH.startswith(head) and PATH.endswith(tail)
    assert abs(len(head) - len(tail)) <= 1


def test_a_file_keeps_more_of_its_end_where_its_name_is():
    shown = elide_middle(FILE, 16, front_part=3)
    assert shown == "devto…te_text.py"  # a third of the 15 kept from the front


def test_a_text_that_fits_is_shown_whole():
    assert elide_middle(PATH, len(PATH)) == PATH and elide_end(PATH, len(PATH)) == PATH
    assert elide_end(PATH, 8) == "reading…"
