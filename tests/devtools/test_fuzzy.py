"""The palette's matching: substrings first, then letters in order by word starts; non-matches are left out."""

from __future__ import annotations

from devtools.model.fuzzy import fuzzy_filter, fuzzy_score

TITLES = ["Open trace…", "Export…", "Clear filters", "Compare with trace…", "Settings", "Quit"]


def test_a_substring_ranks_first_and_letters_in_order_still_match():
    assert fuzzy_filter("trace", TITLES, str)[:2] == ["Open trace…", "Compare with trace…"]
    assert fuzzy_filter("cwt", TITLES, str) == ["Compare with trace…"]
    assert fuzzy_filter("EXP", TITLES, str) == ["Export…"]


def test_what_does_not_match_is_left_out_and_an_empty_query_keeps_everything():
    assert fuzzy_filter("zz", TITLES, str) == []
    assert fuzzy_filter("", TITLES, str) == TITLES
    assert fuzzy_score("qt", "Quit") is not None and fuzzy_score("tq", "Quit") is None
