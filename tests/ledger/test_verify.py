from __future__ import annotations

import pytest

from ledger.hashing import EMPTY_ROOT, leaf_hash
from ledger.proofs import consistency_proof, inclusion_proof
from ledger.tree import MemoryNodeStore
from ledger.verify import (
    HashSizeError,
    InvalidTreeSize,
    ProofLengthError,
    RootMismatch,
    root_from_inclusion_proof,
    verify_consistency,
    verify_inclusion,
)

LEAVES = [leaf_hash(bytes([i])) for i in range(11)]
STORE = MemoryNodeStore(LEAVES)


def test_root_from_inclusion_proof() -> None:
    proof = inclusion_proof(6, 11, STORE)
    assert root_from_inclusion_proof(LEAVES[6], 6, 11, proof) == STORE.root()
    assert root_from_inclusion_proof(LEAVES[0], 0, 1, []) == LEAVES[0]


def test_root_mismatch_reports_both_roots() -> None:
    proof = inclusion_proof(3, 11, STORE)
    wrong = STORE.root(10)
    with pytest.raises(RootMismatch) as err:
        verify_inclusion(LEAVES[3], 3, 11, proof, wrong)
    assert err.value.expected == wrong
    assert err.value.calculated == STORE.root()
    assert wrong.hex() in str(err.value) and STORE.root().hex() in str(err.value)


def test_wrong_length() -> None:
    proof = inclusion_proof(3, 11, STORE)
    with pytest.raises(ProofLengthError) as err:
        verify_inclusion(LEAVES[3], 3, 11, proof[:-1], STORE.root())
    assert (err.value.expected, err.value.got) == (len(proof), len(proof) - 1)
    cproof = consistency_proof(3, 11, STORE)
    with pytest.raises(ProofLengthError):
        verify_consistency(3, 11, STORE.root(3), STORE.root(), [*cproof, EMPTY_ROOT])
    with pytest.raises(ProofLengthError):
        verify_consistency(4, 4, STORE.root(4), STORE.root(4), [EMPTY_ROOT])


def test_bad_sizes_and_hash_lengths() -> None:
    with pytest.raises(InvalidTreeSize):
        verify_inclusion(LEAVES[0], 11, 11, [], STORE.root())
    with pytest.raises(InvalidTreeSize):
        verify_consistency(5, 4, STORE.root(5), STORE.root(4), [])
    with pytest.raises(InvalidTreeSize):
        verify_consistency(0, 4, EMPTY_ROOT, STORE.root(4), [])
    with pytest.raises(HashSizeError):
        verify_inclusion(b"short", 0, 1, [], b"short")
    proof = inclusion_proof(3, 11, STORE)
    with pytest.raises(HashSizeError) as err:
        verify_inclusion(LEAVES[3], 3, 11, [proof[0][:31], *proof[1:]], STORE.root())
    assert err.value.what == "proof[0]"


def test_equal_sizes() -> None:
    verify_consistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, [])
    verify_consistency(6, 6, STORE.root(6), STORE.root(6), [])
    with pytest.raises(RootMismatch):
        verify_consistency(6, 6, STORE.root(6), STORE.root(7), [])
    with pytest.raises(RootMismatch):
        verify_consistency(0, 0, STORE.root(1), STORE.root(1), [])
