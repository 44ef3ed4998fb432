from __future__ import annotations

import base64

import pytest

from ledger.keys import (
    InvalidKeyName,
    KeyFormatError,
    key_id,
    parse_signer_key,
    parse_verifier_key,
)
from ledger.note import (
    DuplicateSignature,
    Ed25519Signer,
    Ed25519Verifier,
    InvalidSignature,
    MalformedNote,
    NoVerifiedSignature,
    Signature,
    add_signatures,
    generate_key,
    open_note,
    parse_note,
    sign_note,
    verify_signatures,
)

# Known answer from the golang.org/x/mod/sumdb/note documentation (used as data).
GO_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
GO_NOTE = (
    GO_TEXT
    + "\n— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNX"
    + "gKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
)
# Example from the C2SP signed-note specification (verifier keys section).
SPEC_VKEY = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
SPEC_NOTE = (
    "This is an example message.\n\n— example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ON"
    "ncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n"
)

SIGNER = Ed25519Signer.from_key(GO_SKEY)
VERIFIER = Ed25519Verifier.from_key(GO_VKEY)


def test_go_known_answer() -> None:
    assert sign_note(GO_TEXT, [SIGNER]) == GO_NOTE
    opened = open_note(GO_NOTE, [VERIFIER])
    assert opened.text == GO_TEXT
    assert [(s.name, s.key_id) for s in opened.verified] == [("PeterNeumann", 0xC74F20A3)]
    assert opened.unverified == ()
    assert str(parse_signer_key(GO_SKEY).verifier_key()) == GO_VKEY
    assert open_note(GO_NOTE.encode(), [VERIFIER]).text == GO_TEXT


def test_spec_example() -> None:
    vkey = parse_verifier_key(SPEC_VKEY)
    assert vkey.key_id == 0x530D903A == key_id("example.com/foo", 1, vkey.public_key)
    assert open_note(SPEC_NOTE, [Ed25519Verifier.from_key(vkey)]).text == (
        "This is an example message.\n"
    )


def test_generate_key_round_trip() -> None:
    skey, vkey = generate_key("pilewatch.example/log")
    assert skey.startswith("PRIVATE+KEY+pilewatch.example/log+")
    assert str(parse_verifier_key(vkey)) == vkey
    note = sign_note("hello\n\nworld\n", [Ed25519Signer.from_key(skey)])
    assert open_note(note, [Ed25519Verifier.from_key(vkey)]).text == "hello\n\nworld\n"
    seeded = generate_key("a", seed=bytes(32))
    assert seeded == generate_key("a", seed=bytes(32))


@pytest.mark.parametrize("name", ["", "a+b", "a b", "a\tb", "a\u00a0b", "a\u2003b"])
def test_bad_names(name: str) -> None:
    with pytest.raises(InvalidKeyName):
        generate_key(name)


def test_bad_key_strings() -> None:
    with pytest.raises(KeyFormatError, match="does not match"):
        parse_verifier_key(GO_VKEY.replace("c74f20a3", "c74f20a4"))
    with pytest.raises(KeyFormatError, match="hex"):
        parse_verifier_key(GO_VKEY.replace("c74f20a3", "C74F20A3"))
    with pytest.raises(KeyFormatError, match="type"):
        parse_verifier_key(GO_VKEY, sig_type=4)
    with pytest.raises(KeyFormatError):
        parse_verifier_key(GO_VKEY + "+extra")
    with pytest.raises(KeyFormatError):
        parse_signer_key(GO_VKEY)
    with pytest.raises(KeyFormatError) as err:
        parse_signer_key(GO_SKEY[:-2] + "!!")
    assert "AYEKFALV" not in str(err.value)  # private material never echoed
    assert "AYEKFALV" not in repr(parse_signer_key(GO_SKEY))


def test_unknown_keys_ignored_but_not_counted() -> None:
    other_s, other_v = generate_key("other.example")
    note = add_signatures(GO_NOTE, [Ed25519Signer.from_key(other_s)])
    opened = open_note(note, [VERIFIER])
    assert [s.name for s in opened.unverified] == ["other.example"]
    assert len(opened.verified) == 1
    with pytest.raises(NoVerifiedSignature) as err:
        open_note(GO_NOTE, [Ed25519Verifier.from_key(other_v)])
    assert [s.name for s in err.value.unverified] == ["PeterNeumann"]


def test_verify_signatures_lists_without_requiring() -> None:
    opened = verify_signatures(parse_note(GO_NOTE), [])
    assert opened.verified == () and [s.name for s in opened.unverified] == ["PeterNeumann"]
    with pytest.raises(ValueError, match="share name"):
        verify_signatures(parse_note(GO_NOTE), [VERIFIER, VERIFIER])


def test_same_name_other_key_id_is_unknown() -> None:
    impostor_s, _ = generate_key("PeterNeumann")
    note = sign_note(GO_TEXT, [Ed25519Signer.from_key(impostor_s)])
    with pytest.raises(NoVerifiedSignature):
        open_note(note, [VERIFIER])


def test_wrong_key_id_on_line() -> None:
    sig = parse_note(GO_NOTE).signatures[0]
    moved = Signature(sig.name, sig.key_id ^ 1, sig.signature).line()
    with pytest.raises(NoVerifiedSignature):
        open_note(GO_TEXT + "\n" + moved, [VERIFIER])


def test_signature_by_other_key_under_known_id() -> None:
    other = Ed25519Signer.from_key(generate_key("PeterNeumann")[0])
    forged = Signature("PeterNeumann", 0xC74F20A3, other.sign(GO_TEXT.encode())).line()
    with pytest.raises(InvalidSignature) as err:
        open_note(GO_TEXT + "\n" + forged, [VERIFIER])
    assert (err.value.name, err.value.key_id) == ("PeterNeumann", 0xC74F20A3)


def test_changed_text() -> None:
    with pytest.raises(InvalidSignature):
        open_note(GO_NOTE.replace("problem,", "problem;"), [VERIFIER])
    with pytest.raises(InvalidSignature):  # extra blank line moves into the text
        open_note(GO_TEXT + "\n" + GO_NOTE, [VERIFIER])


def test_duplicate_signatures() -> None:
    line = GO_NOTE[len(GO_TEXT) + 1 :]
    with pytest.raises(DuplicateSignature):
        open_note(GO_NOTE + line, [VERIFIER])
    with pytest.raises(DuplicateSignature):
        sign_note(GO_TEXT, [SIGNER, SIGNER])


SIG_LINE = GO_NOTE[len(GO_TEXT) + 1 :]


@pytest.mark.parametrize(
    "note",
    [
        GO_TEXT + SIG_LINE,  # no blank line
        GO_NOTE[:-1],  # no final newline
        GO_NOTE + "trailing data\n",  # trailing data
        GO_NOTE + "trailing",
        GO_NOTE + "\n",  # blank line after signatures
        GO_TEXT + "\n " + SIG_LINE,  # leading space
        GO_TEXT + "\n" + SIG_LINE.replace(" ", "  ", 1),  # double space after dash
        GO_TEXT + "\n" + SIG_LINE.replace("Neumann ", "Neumann  "),  # double space before sig
        GO_TEXT + "\n" + SIG_LINE[:-1] + " \n",  # trailing space
        GO_TEXT + "\n" + SIG_LINE.replace("—", "-"),  # hyphen, not em dash
        GO_TEXT + "\n" + SIG_LINE.replace("=\n", "\n"),  # unpadded base64
        GO_TEXT + "\n" + SIG_LINE.replace("x08go", "x08g@"),  # not base64
        GO_TEXT + "\n" + SIG_LINE[:-1] + "\r\n",  # CR
        GO_TEXT.replace("\n", "\t", 1) + "\n" + SIG_LINE,  # control character in text
        GO_TEXT + "\n— PeterNeumann \n",  # empty signature
        GO_TEXT + "\n— PeterNeumann AAAA\n",  # too short
        GO_TEXT + "\n",  # no signatures
        GO_TEXT,
    ],
)
def test_malformed(note: str) -> None:
    with pytest.raises(MalformedNote):
        open_note(note, [VERIFIER])


def test_invalid_utf8() -> None:
    with pytest.raises(MalformedNote):
        open_note(GO_NOTE.encode().replace(b"If", b"\xff"), [VERIFIER])


def test_too_many_signatures() -> None:
    sig = base64.b64encode(bytes(68)).decode()
    lines = "".join(f"— k{i} {sig}\n" for i in range(101))
    with pytest.raises(MalformedNote, match="more than 100"):
        parse_note(GO_TEXT + "\n" + lines)


@pytest.mark.parametrize("text", ["", "no newline", "tab\there\n"])
def test_sign_rejects_bad_text(text: str) -> None:
    with pytest.raises(MalformedNote):
        sign_note(text, [SIGNER])
