from __future__ import annotations

import pytest

from ledger.checkpoint import Checkpoint
from ledger.cosignature import (
    CosignatureSigner,
    CosignatureVerifier,
    generate_cosigner_key,
    verify_cosignatures,
)
from ledger.hashing import EMPTY_ROOT, leaf_hash
from ledger.keys import b64encode
from ledger.note import Ed25519Signer, Ed25519Verifier, generate_key, sign_note
from ledger.proofs import consistency_proof
from ledger.tree import MemoryNodeStore
from ledger.witness_core import (
    BadProof,
    BadSignature,
    ForkDetected,
    MalformedRequest,
    OldSizeMismatch,
    RollBack,
    UnknownLog,
    WitnessState,
    add_checkpoint,
    parse_add_checkpoint_body,
)

ORIGIN = "pilewatch.example/log"
LOG_S, LOG_V = generate_key(ORIGIN, seed=bytes([7]) * 32)
LOG = Ed25519Signer.from_key(LOG_S)
LOG_KEY = Ed25519Verifier.from_key(LOG_V)
W_S, W_V = generate_cosigner_key("witness.example/w", seed=bytes([9]) * 32)
WITNESS = CosignatureSigner.from_key(W_S)
STORE = MemoryNodeStore(leaf_hash(str(i).encode()) for i in range(40))
T = 1_765_000_000


def note_for(size: int, root: bytes | None = None, origin: str = ORIGIN) -> str:
    cp = Checkpoint(origin, size, STORE.root(size) if root is None else root)
    return sign_note(cp.body(), [LOG])


def state(size: int) -> WitnessState:
    return WitnessState(ORIGIN, size, STORE.root(size))


def test_first_checkpoint_then_growth() -> None:
    first = add_checkpoint(None, note_for(10), LOG_KEY, 0, [], WITNESS, T)
    assert first.state == state(10)
    cosigned = note_for(10) + first.line
    got = verify_cosignatures(cosigned, [CosignatureVerifier.from_key(W_V)])
    assert got.cosignatures[0].timestamp == T
    proof = consistency_proof(10, 25, STORE)
    second = add_checkpoint(first.state, note_for(25), LOG_KEY, 10, proof, WITNESS, T + 5)
    assert second.state == state(25)
    assert second.cosignature.timestamp == T + 5


def test_same_checkpoint_again_is_cosigned() -> None:
    result = add_checkpoint(state(10), note_for(10), LOG_KEY, 10, [], WITNESS, T)
    assert result.state == state(10)


def test_stale_old_size() -> None:
    proof = consistency_proof(10, 25, STORE)
    with pytest.raises(OldSizeMismatch) as err:
        add_checkpoint(state(12), note_for(25), LOG_KEY, 10, proof, WITNESS, T)
    assert (err.value.known_size, err.value.old_size) == (12, 10)
    assert err.value.http_status == 409
    with pytest.raises(OldSizeMismatch):
        add_checkpoint(None, note_for(25), LOG_KEY, 10, proof, WITNESS, T)


def test_bad_proof() -> None:
    proof = consistency_proof(10, 25, STORE)
    with pytest.raises(BadProof) as err:
        add_checkpoint(state(10), note_for(25), LOG_KEY, 10, proof[:-1], WITNESS, T)
    assert err.value.http_status == 422
    tampered = [proof[0][::-1], *proof[1:]]
    with pytest.raises(BadProof):
        add_checkpoint(state(10), note_for(25), LOG_KEY, 10, tampered, WITNESS, T)
    with pytest.raises(BadProof):  # honest proof, but for a tree with another root
        add_checkpoint(state(10), note_for(25, EMPTY_ROOT), LOG_KEY, 10, proof, WITNESS, T)
    with pytest.raises(BadProof):
        add_checkpoint(None, note_for(25), LOG_KEY, 0, proof, WITNESS, T)


def test_fork() -> None:
    with pytest.raises(ForkDetected) as err:
        add_checkpoint(state(10), note_for(10, EMPTY_ROOT), LOG_KEY, 10, [], WITNESS, T)
    assert err.value.known_root == STORE.root(10)
    assert err.value.new_root == EMPTY_ROOT


def test_rollback() -> None:
    with pytest.raises(RollBack) as err:
        add_checkpoint(state(20), note_for(10), LOG_KEY, 20, [], WITNESS, T)
    assert (err.value.known_size, err.value.new_size) == (20, 10)
    with pytest.raises(RollBack):
        add_checkpoint(state(5), note_for(10), LOG_KEY, 11, [], WITNESS, T)


def test_signature_and_origin() -> None:
    other_s, _ = generate_key(ORIGIN)
    forged = sign_note(
        Checkpoint(ORIGIN, 10, STORE.root(10)).body(), [Ed25519Signer.from_key(other_s)]
    )
    with pytest.raises(BadSignature) as err:
        add_checkpoint(None, forged, LOG_KEY, 0, [], WITNESS, T)
    assert err.value.http_status == 403
    with pytest.raises(UnknownLog) as unknown:
        add_checkpoint(None, note_for(10, origin="other.example/log"), LOG_KEY, 0, [], WITNESS, T)
    assert unknown.value.http_status == 404
    with pytest.raises(MalformedRequest):
        add_checkpoint(None, "junk\n", LOG_KEY, 0, [], WITNESS, T)
    with pytest.raises(MalformedRequest):
        add_checkpoint(None, sign_note("not a checkpoint\n", [LOG]), LOG_KEY, 0, [], WITNESS, T)


def test_duplicate_log_signature_and_negative_old_size() -> None:
    note = note_for(10)
    line = note[note.index("\u2014") :]
    with pytest.raises(BadSignature):
        add_checkpoint(None, note + line, LOG_KEY, 0, [], WITNESS, T)
    with pytest.raises(MalformedRequest):
        add_checkpoint(None, note, LOG_KEY, -1, [], WITNESS, T)


def test_parse_add_checkpoint_body() -> None:
    proof = consistency_proof(10, 25, STORE)
    note = note_for(25)
    body = "old 10\n" + "".join(b64encode(p) + "\n" for p in proof) + "\n" + note
    assert parse_add_checkpoint_body(body) == (10, proof, note)
    assert parse_add_checkpoint_body("old 0\n\n" + note) == (0, [], note)
    for bad in ["old 01\n\n" + note, "old 1\n", "new 1\n\n" + note, "old 1\n!!\n\n" + note]:
        with pytest.raises(MalformedRequest):
            parse_add_checkpoint_body(bad)
