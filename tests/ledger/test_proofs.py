from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.hashing import leaf_hash
from ledger.proofs import (
    ProofRequestError,
    consistency_proof,
    inclusion_proof,
)
from ledger.tree import ListHashReader, MemoryNodeStore
from ledger.verify import (
    ProofError,
    consistency_proof_length,
    inclusion_proof_length,
    verify_consistency,
    verify_inclusion,
)
from tests.ledger.reference import ref_path, ref_subproof

MAX = 300
LEAVES = [leaf_hash(i.to_bytes(2, "big")) for i in range(MAX)]
STORE = MemoryNodeStore(LEAVES)


def flip(proof: list[bytes], i: int, bit: int) -> list[bytes]:
    out = list(proof)
    b = bytearray(out[i])
    b[bit // 8] ^= 1 << (bit % 8)
    out[i] = bytes(b)
    return out


@pytest.mark.parametrize("size", range(1, 40))
def test_proofs_match_rfc_definition(size: int) -> None:
    leaves = LEAVES[:size]
    plain = ListHashReader(leaves)
    for i in range(size):
        want = ref_path(i, leaves)
        assert inclusion_proof(i, size, plain) == want
        assert inclusion_proof(i, size, STORE) == want
        assert len(want) == inclusion_proof_length(i, size)
    for m in range(1, size + 1):
        want = [] if m == size else ref_subproof(m, leaves, True)
        assert consistency_proof(m, size, plain) == want
        assert consistency_proof(m, size, STORE) == want
        assert len(want) == consistency_proof_length(m, size)


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_inclusion_round_trip_and_mutation(data: st.DataObject) -> None:
    size = data.draw(st.integers(1, MAX), label="size")
    index = data.draw(st.integers(0, size - 1), label="index")
    proof = inclusion_proof(index, size, STORE)
    root = STORE.root(size)
    verify_inclusion(LEAVES[index], index, size, proof, root)
    if proof:
        i = data.draw(st.integers(0, len(proof) - 1), label="element")
        bit = data.draw(st.integers(0, 255), label="bit")
        with pytest.raises(ProofError):
            verify_inclusion(LEAVES[index], index, size, flip(proof, i, bit), root)
    with pytest.raises(ProofError):
        verify_inclusion(LEAVES[index], index, size, proof, flip([root], 0, 7)[0])
    with pytest.raises(ProofError):
        verify_inclusion(LEAVES[index], index, size, [*proof, root], root)
    if size > 1:
        other = (index + 1) % size
        with pytest.raises(ProofError):
            verify_inclusion(LEAVES[other], index, size, proof, root)


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_consistency_round_trip_and_mutation(data: st.DataObject) -> None:
    new = data.draw(st.integers(1, MAX), label="new")
    old = data.draw(st.integers(1, new), label="old")
    proof = consistency_proof(old, new, STORE)
    old_root, new_root = STORE.root(old), STORE.root(new)
    verify_consistency(old, new, old_root, new_root, proof)
    if proof:
        i = data.draw(st.integers(0, len(proof) - 1), label="element")
        bit = data.draw(st.integers(0, 255), label="bit")
        with pytest.raises(ProofError):
            verify_consistency(old, new, old_root, new_root, flip(proof, i, bit))
        with pytest.raises(ProofError):
            verify_consistency(old, new, old_root, new_root, proof[:-1])
    if old < new:
        with pytest.raises(ProofError):
            verify_consistency(old, new, flip([old_root], 0, 3)[0], new_root, proof)
        with pytest.raises(ProofError):
            verify_consistency(old, new, old_root, flip([new_root], 0, 3)[0], proof)


def test_bad_requests() -> None:
    with pytest.raises(ProofRequestError) as err:
        inclusion_proof(5, 5, STORE)
    assert err.value.values == {"index": 5, "size": 5}
    with pytest.raises(ProofRequestError):
        inclusion_proof(-1, 5, STORE)
    with pytest.raises(ProofRequestError):
        consistency_proof(0, 5, STORE)
    with pytest.raises(ProofRequestError):
        consistency_proof(6, 5, STORE)
    assert consistency_proof(7, 7, STORE) == []
