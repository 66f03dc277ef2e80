"""A selector is re-run when a write can change what it reads: a written path and a read path overlap when one is a
prefix of the other, whatever their lengths."""

from hypothesis import given
from hypothesis import strategies as st

from runtime import read_query

segment = st.sampled_from(["a", "b", "ab", "items", "0"])
path = st.lists(segment, min_size=1, max_size=4).map(tuple)


def _overlap(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    shorter, longer = (a, b) if len(a) <= len(b) else (b, a)
    return all(longer[i] == shorter[i] for i in range(len(shorter)))


@given(reads=st.lists(path, min_size=1, max_size=3), writes=st.lists(path, max_size=3))
def test_a_selector_is_touched_exactly_when_a_write_overlaps_a_read(reads, writes):
    query = read_query(lambda s: None, reads=[".".join(r) for r in reads], selector_id="q")
    expected = any(_overlap(r, w) for r in reads for w in writes)
    assert query.touches(writes) is expected


def test_a_key_that_merely_starts_like_another_is_not_a_prefix():
    query = read_query(lambda s: s["a"], reads=["a"], selector_id="a")
    assert not query.touches([("ab",)])
    assert query.touches([("a", "b")]) and read_query(lambda s: s, reads=["a.b"], selector_id="ab").touches([("a",)])
