from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.hashing import EMPTY_ROOT, leaf_hash, node_hash
from ledger.tree import (
    CompactRange,
    ListHashReader,
    MemoryNodeStore,
    RangeError,
    largest_power_of_two_below,
    root_from_leaf_hashes,
    subtree_root,
)
from tests.ledger.reference import reference_mth

# RFC 6962 known answers, from transparency-dev/merkle testonly (LeafInputs / RootHashes).
LEAF_INPUTS = [
    bytes.fromhex(h)
    for h in [
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    ]
]
ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
LEAVES = [leaf_hash(d) for d in LEAF_INPUTS]


@pytest.mark.parametrize("size", range(9))
def test_rfc6962_known_roots(size: int) -> None:
    assert root_from_leaf_hashes(LEAVES[:size]).hex() == ROOTS[size]
    assert reference_mth(LEAVES[:size]).hex() == ROOTS[size]
    assert MemoryNodeStore(LEAVES[:size]).root().hex() == ROOTS[size]


def test_hand_derived_small_roots() -> None:
    assert root_from_leaf_hashes([]) == EMPTY_ROOT
    assert root_from_leaf_hashes(LEAVES[:1]) == leaf_hash(b"")
    assert root_from_leaf_hashes(LEAVES[:2]) == node_hash(leaf_hash(b""), leaf_hash(b"\x00"))
    assert root_from_leaf_hashes(LEAVES).hex() == (
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"
    )


def test_compact_range_tracks_every_size() -> None:
    cr = CompactRange()
    assert cr.root() == EMPTY_ROOT
    for size, leaf in enumerate(LEAVES, start=1):
        cr.append(leaf)
        assert cr.size == size
        assert len(cr.hashes) == size.bit_count()
        assert cr.root().hex() == ROOTS[size]
        restored = CompactRange(cr.size, cr.hashes)
        assert restored.root() == cr.root()


def test_compact_range_rejects_bad_state() -> None:
    with pytest.raises(ValueError, match="needs 2 hashes"):
        CompactRange(3, [EMPTY_ROOT])
    with pytest.raises(ValueError):
        CompactRange().append(b"short")


def test_split_point() -> None:
    assert [largest_power_of_two_below(n) for n in range(2, 10)] == [1, 2, 2, 4, 4, 4, 4, 8]
    with pytest.raises(ValueError):
        largest_power_of_two_below(1)


def test_subtree_root_via_plain_reader_and_node_store() -> None:
    leaves = [leaf_hash(i.to_bytes(2, "big")) for i in range(37)]
    plain = ListHashReader(leaves)
    store = MemoryNodeStore(leaves)
    for begin in range(37):
        for end in range(begin + 1, 38):
            want = reference_mth(leaves[begin:end])
            assert subtree_root(plain, begin, end) == want
            assert subtree_root(store, begin, end) == want
    with pytest.raises(RangeError):
        subtree_root(plain, 5, 5)
    with pytest.raises(RangeError):
        store.subtree_root(0, 38)
    assert store.leaf_hashes(3, 5) == leaves[3:5]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.binary(max_size=8), max_size=300))
def test_root_matches_reference(data: list[bytes]) -> None:
    leaves = [leaf_hash(d) for d in data]
    want = reference_mth(leaves)
    assert root_from_leaf_hashes(leaves) == want
    store = MemoryNodeStore(leaves)
    assert store.root() == want
    assert len(store) == len(leaves)
