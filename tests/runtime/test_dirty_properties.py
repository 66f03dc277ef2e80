"""Property tests of the two pieces every dirty set rests on: the FNV-1a hash (against the published algorithm,
written out here from its definition) and the collapse of dirty ids to prefix-free roots (against the definition:
an id is a root when no proper prefix of its path is dirty too)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from runtime.base.paths import DirtySet, FieldPathRegistry, fnv1a32_ids, fnv1a32_text

OFFSET_BASIS_32 = 0x811C9DC5
PRIME_32 = 0x01000193


def fnv1a_32(words: list[int]) -> int:
    """FNV-1a, 32 bits, one octet (or word) at a time: xor it in, then multiply by the FNV prime modulo 2**32."""
    h = OFFSET_BASIS_32
    for w in words:
        h = (h ^ w) * PRIME_32 % 2**32
    return h


def test_the_published_test_vectors_of_the_text_hash():
    # from the FNV reference test suite (fnv1a 32-bit)
    assert fnv1a32_text("") == 0x811C9DC5
    assert fnv1a32_text("a") == 0xE40C292C
    assert fnv1a32_text("foobar") == 0xBF9CF968


@given(st.text())
def test_the_text_hash_is_fnv1a_over_the_utf8_octets(text):
    assert fnv1a32_text(text) == fnv1a_32(list(text.encode("utf-8")))


@given(st.lists(st.integers(0, 2**32 - 1), max_size=40))
def test_the_id_hash_is_fnv1a_over_32_bit_words(ids):
    got = fnv1a32_ids(ids)
    assert got == fnv1a_32(ids) and 0 <= got < 2**32
    if all(i < 128 for i in ids):  # ids below 128 hash like the same ASCII text
        assert got == fnv1a32_text(bytes(ids).decode("ascii"))


@given(st.lists(st.integers(0, 2**32 - 1), min_size=1, max_size=8), st.integers(0, 2**32 - 1),
       st.integers(0, 2**32 - 1))
def test_the_dirty_key_hash_is_the_hash_of_the_roots_and_tells_single_roots_apart(roots, a, b):
    ds = DirtySet.from_roots(sorted(set(roots)))
    assert ds.key_hash == fnv1a_32(sorted(set(roots)))
    # one word: xor and an odd multiplier modulo 2**32 are both one-to-one, so two single roots never collide
    assert (DirtySet.from_roots([a]).key_hash == DirtySet.from_roots([b]).key_hash) == (a == b)


segment = st.sampled_from(["a", "b", "c", "items", "price", "user", "x"])
paths = st.lists(st.lists(segment, min_size=1, max_size=4).map(tuple), min_size=1, max_size=12)


@given(paths)
def test_the_table_holds_every_prefix_sorted_and_each_id_knows_its_prefixes(raw):
    reg = FieldPathRegistry.build(raw)
    assert list(reg.paths) == sorted({p[:n] for p in raw for n in range(1, len(p) + 1)})
    assert all(reg.id_of[p] == i for i, p in enumerate(reg.paths))
    for i, p in enumerate(reg.paths):
        assert [reg.paths[j] for j in reg.prefix_ids[i]] == [p[:n] for n in range(1, len(p))]
    assert FieldPathRegistry.build(list(reversed(raw))).key == reg.key  # the table, not the order it was given in


@given(paths, st.data())
def test_roots_are_the_dirty_ids_with_no_dirty_proper_prefix(raw, data):
    reg = FieldPathRegistry.build(raw)
    dirty = data.draw(st.lists(st.integers(0, len(reg.paths) - 1), max_size=10))
    roots = reg.roots(dirty)
    dirty_paths = {reg.paths[i] for i in dirty}
    expected = sorted({i for i in dirty if not any(reg.paths[i][:n] in dirty_paths
                                                   for n in range(1, len(reg.paths[i])))})
    assert roots == expected
    # the roots cover every dirty id, none covers another, and collapsing again changes nothing
    root_paths = [reg.paths[r] for r in roots]
    assert all(any(reg.paths[i][:len(r)] == r for r in root_paths) for i in dirty)
    assert not any(a != b and b[:len(a)] == a for a in root_paths for b in root_paths)
    assert reg.roots(roots) == roots
    assert reg.roots(set(dirty)) == reg.roots(iter(dirty)) == roots  # whatever iterable it is given
