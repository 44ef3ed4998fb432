import hashlib

import pytest

from ledger.hashing import EMPTY_ROOT, HashLengthError, check_hash, leaf_hash, node_hash


def test_empty_root_is_sha256_of_nothing() -> None:
    assert EMPTY_ROOT.hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


def test_leaf_and_node_domain_separation() -> None:
    assert leaf_hash(b"").hex() == (
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
    )
    assert leaf_hash(b"abc") == hashlib.sha256(b"\x00abc").digest()
    left, right = leaf_hash(b"a"), leaf_hash(b"b")
    assert node_hash(left, right) == hashlib.sha256(b"\x01" + left + right).digest()
    assert node_hash(left, right) != leaf_hash(left + right)


def test_check_hash() -> None:
    assert check_hash("x", EMPTY_ROOT) == EMPTY_ROOT
    with pytest.raises(HashLengthError) as err:
        check_hash("root", b"short")
    assert err.value.value == b"short"
    assert "got 5" in str(err.value)
