from __future__ import annotations

import base64

import pytest

from ledger.checkpoint import Checkpoint
from ledger.cosignature import (
    CosignatureError,
    CosignatureSigner,
    CosignatureVerifier,
    add_cosignature,
    cosign_checkpoint,
    cosigned_message,
    generate_cosigner_key,
    verify_cosignatures,
)
from ledger.hashing import EMPTY_ROOT
from ledger.keys import KeyFormatError, key_id, parse_verifier_key
from ledger.note import (
    DuplicateSignature,
    Ed25519Signer,
    Ed25519Verifier,
    InvalidSignature,
    generate_key,
    open_note,
    parse_note,
    sign_note,
)

LOG_S, LOG_V = generate_key("example.com/log", seed=bytes(range(32)))
W1_S, W1_V = generate_cosigner_key("witness.example/w1", seed=bytes([1]) * 32)
W2_S, W2_V = generate_cosigner_key("witness.example/w2", seed=bytes([2]) * 32)
BODY = Checkpoint("example.com/log", 5, EMPTY_ROOT).body()
NOTE = sign_note(BODY, [Ed25519Signer.from_key(LOG_S)])
W1 = CosignatureSigner.from_key(W1_S)
W1V = CosignatureVerifier.from_key(W1_V)
W2V = CosignatureVerifier.from_key(W2_V)
T = 1_700_000_000


def test_spec_signed_message() -> None:
    body = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
    assert cosigned_message(body, 1679315147) == (
        b"cosignature/v1\ntime 1679315147\n" + body.encode()
    )


def test_spec_example_line_layout() -> None:
    # Cosignature line from the C2SP tlog-cosignature example: keyid || u64 time || sig.
    payload = base64.b64decode(
        "jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0"
        "xUe+mbIUBkBIfZ+qnA=="
    )
    assert len(payload) == 4 + 8 + 64
    assert int.from_bytes(payload[4:12], "big") == 1679315147


def test_key_strings_use_type_4() -> None:
    vkey = parse_verifier_key(W1_V, sig_type=4)
    assert vkey.key_id == key_id("witness.example/w1", 0x04, vkey.public_key)
    assert base64.b64decode(W1_V.split("+")[2])[0] == 0x04
    with pytest.raises(KeyFormatError):
        Ed25519Verifier.from_key(W1_V)  # not a 0x01 note key
    with pytest.raises(KeyFormatError):
        CosignatureVerifier.from_key(LOG_V)


def test_round_trip() -> None:
    line = cosign_checkpoint(BODY, W1, T)
    sig = parse_note(BODY + "\n" + line).signatures[0]
    assert sig.signature[:8] == T.to_bytes(8, "big") and len(sig.signature) == 72
    cosigned = add_cosignature(NOTE, W1, T)
    assert cosigned == NOTE + line
    result = verify_cosignatures(cosigned, [W1V, W2V])
    assert result.checkpoint.size == 5
    assert [(c.name, c.timestamp) for c in result.cosignatures] == [("witness.example/w1", T)]
    # the log key still verifies, the cosignature counts as unknown for it
    opened = open_note(cosigned, [Ed25519Verifier.from_key(LOG_V)])
    assert [s.name for s in opened.unverified] == ["witness.example/w1"]
    # and a cosignature verifier works through the generic note opener too
    assert open_note(cosigned, [W1V]).verified[0].name == "witness.example/w1"


def test_two_witnesses() -> None:
    note = add_cosignature(add_cosignature(NOTE, W1, T), CosignatureSigner.from_key(W2_S), T + 1)
    names = {c.name for c in verify_cosignatures(note, [W1V, W2V]).cosignatures}
    assert names == {"witness.example/w1", "witness.example/w2"}
    assert verify_cosignatures(note, []).cosignatures == ()


def test_changed_timestamp_fails() -> None:
    line = cosign_checkpoint(BODY, W1, T)
    sig = parse_note(BODY + "\n" + line).signatures[0]
    forged = type(sig)(sig.name, sig.key_id, (T + 1).to_bytes(8, "big") + sig.signature[8:])
    with pytest.raises(InvalidSignature):
        verify_cosignatures(NOTE + forged.line(), [W1V])


def test_changed_checkpoint_fails() -> None:
    other = Checkpoint("example.com/log", 6, EMPTY_ROOT).body()
    line = cosign_checkpoint(other, W1, T)
    with pytest.raises(InvalidSignature):
        verify_cosignatures(NOTE + line, [W1V])


def test_wrong_length_and_duplicates() -> None:
    sig = parse_note(NOTE).signatures[0]
    short = type(sig)("witness.example/w1", W1V.key_id, bytes(64)).line()
    with pytest.raises(InvalidSignature):
        verify_cosignatures(NOTE + short, [W1V])
    line = cosign_checkpoint(BODY, W1, T)
    with pytest.raises(DuplicateSignature):
        verify_cosignatures(NOTE + line + line, [W1V])


def test_timestamp_range() -> None:
    with pytest.raises(CosignatureError):
        W1.cosign(BODY, -1)
    with pytest.raises(CosignatureError):
        W1.cosign(BODY, 2**63)
    assert W1.cosign(BODY, 2**63 - 1).timestamp == 2**63 - 1


def test_refuses_non_checkpoint_body() -> None:
    with pytest.raises(ValueError):
        W1.cosign("just text\n", T)
