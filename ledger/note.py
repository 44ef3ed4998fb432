"""C2SP signed notes (https://c2sp.org/signed-note) with Ed25519 signatures.

A note is a text ending in a newline, a blank line, then one or more lines
``— <key name> base64(key id (4 bytes, big-endian) || signature)``.

:func:`open_note` ignores (but does not count) signatures from unknown keys, rejects a
signature from a known key that fails, rejects duplicated signatures and any malformed
line, and requires at least one verified signature.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Final, Protocol

from cryptography.exceptions import InvalidSignature as _CryptoInvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ledger.keys import (
    SIG_ED25519,
    InvalidKeyName,
    SignerKey,
    VerifierKey,
    b64decode_strict,
    b64encode,
    check_name,
    new_signer_key,
    parse_signer_key,
    parse_verifier_key,
)

SIG_PREFIX: Final = "\u2014 "  # em dash, space
MAX_SIGNATURES: Final = 100


class NoteError(Exception):
    """Base class for signed-note failures."""


class MalformedNote(NoteError):
    """The note breaks the signed-note syntax."""

    def __init__(self, reason: str, line: str | None = None) -> None:
        self.reason = reason
        self.line = line
        super().__init__(f"malformed note: {reason}" + (f": {line!r}" if line is not None else ""))


class InvalidSignature(NoteError):
    """A signature from a known key does not verify over the note text."""

    def __init__(self, name: str, key_id: int) -> None:
        self.name = name
        self.key_id = key_id
        super().__init__(f"signature by {name} ({key_id:08x}) does not verify")


class DuplicateSignature(NoteError):
    """The same key (name and key ID) signed the note more than once."""

    def __init__(self, name: str, key_id: int) -> None:
        self.name = name
        self.key_id = key_id
        super().__init__(f"duplicate signature by {name} ({key_id:08x})")


class NoVerifiedSignature(NoteError):
    """No signature on the note is from a known key."""

    def __init__(self, unverified: Sequence[Signature]) -> None:
        self.unverified = tuple(unverified)
        names = ", ".join(f"{s.name} ({s.key_id:08x})" for s in unverified) or "none"
        super().__init__(f"no signature from a known key; signatures present: {names}")


class Signer(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def key_id(self) -> int: ...
    def sign(self, message: bytes) -> bytes: ...


class Verifier(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def key_id(self) -> int: ...
    def verify(self, message: bytes, signature: bytes) -> bool: ...


@dataclass(frozen=True)
class Signature:
    """One signature line: key name, key ID and the signature bytes after the key ID."""

    name: str
    key_id: int
    signature: bytes

    def line(self) -> str:
        payload = self.key_id.to_bytes(4, "big") + self.signature
        return f"{SIG_PREFIX}{self.name} {b64encode(payload)}\n"


@dataclass(frozen=True)
class Note:
    text: str
    signatures: tuple[Signature, ...]


@dataclass(frozen=True)
class OpenedNote:
    text: str
    verified: tuple[Signature, ...]
    unverified: tuple[Signature, ...]


@dataclass(frozen=True)
class Ed25519Signer:
    name: str
    key_id: int
    _key: Ed25519PrivateKey = field(repr=False)

    @classmethod
    def from_key(cls, key: SignerKey | str) -> Ed25519Signer:
        k = parse_signer_key(key, SIG_ED25519) if isinstance(key, str) else key
        return cls(k.name, k.key_id, Ed25519PrivateKey.from_private_bytes(k.seed))

    def sign(self, message: bytes) -> bytes:
        return self._key.sign(message)


@dataclass(frozen=True)
class Ed25519Verifier:
    name: str
    key_id: int
    _key: Ed25519PublicKey = field(repr=False)

    @classmethod
    def from_key(cls, key: VerifierKey | str) -> Ed25519Verifier:
        k = parse_verifier_key(key, SIG_ED25519) if isinstance(key, str) else key
        return cls(k.name, k.key_id, Ed25519PublicKey.from_public_bytes(k.public_key))

    def verify(self, message: bytes, signature: bytes) -> bool:
        try:
            self._key.verify(signature, message)
        except _CryptoInvalidSignature:
            return False
        return True


def generate_key(name: str, seed: bytes | None = None) -> tuple[str, str]:
    """Return ``(signer key string, verifier key string)`` for a new Ed25519 note key."""
    key = new_signer_key(name, SIG_ED25519, seed)
    return str(key), str(key.verifier_key())


def _check_chars(text: str) -> None:
    for i, c in enumerate(text):
        if (ord(c) < 0x20 and c != "\n") or 0xD800 <= ord(c) <= 0xDFFF:
            raise MalformedNote(f"control or invalid character U+{ord(c):04X} at offset {i}")


def check_text(text: str) -> str:
    """Return ``text`` if it can be a note text (non-empty, ends in newline, no controls)."""
    if not text or not text.endswith("\n"):
        raise MalformedNote("note text must be non-empty and end with a newline")
    _check_chars(text)
    return text


def _parse_signature_line(line: str) -> Signature:
    if not line.startswith(SIG_PREFIX):
        raise MalformedNote("signature line must start with an em dash and a space", line)
    name, sep, b64 = line[len(SIG_PREFIX) :].partition(" ")
    try:
        check_name(name)
        payload = b64decode_strict(b64) if sep else b""
    except (InvalidKeyName, ValueError) as exc:
        raise MalformedNote("bad key name or signature encoding", line) from exc
    if len(payload) < 5:
        raise MalformedNote("signature too short", line)
    return Signature(name, int.from_bytes(payload[:4], "big"), payload[4:])


def parse_note(note: str | bytes) -> Note:
    """Split a signed note into text and signatures, checking syntax only."""
    if isinstance(note, bytes):
        try:
            note = note.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise MalformedNote("not valid UTF-8") from exc
    _check_chars(note)
    split = note.rfind("\n\n")
    if split < 0:
        raise MalformedNote("no blank line before the signatures")
    text, block = note[: split + 1], note[split + 2 :]
    if not block or not block.endswith("\n"):
        raise MalformedNote("signature block must be non-empty and end with a newline")
    lines = block[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise MalformedNote(f"more than {MAX_SIGNATURES} signatures")
    return Note(text, tuple(_parse_signature_line(line) for line in lines))


def format_note(text: str, signatures: Iterable[Signature]) -> str:
    """Assemble a note from its text and signatures (no verification)."""
    sigs = list(signatures)
    if not sigs:
        raise MalformedNote("a signed note needs at least one signature")
    seen: set[tuple[str, int]] = set()
    for s in sigs:
        check_name(s.name)
        if (s.name, s.key_id) in seen:
            raise DuplicateSignature(s.name, s.key_id)
        seen.add((s.name, s.key_id))
    return check_text(text) + "\n" + "".join(s.line() for s in sigs)


def sign_text(text: str, signer: Signer) -> Signature:
    """Sign a note text with one signer."""
    message = check_text(text).encode("utf-8")
    return Signature(check_name(signer.name), signer.key_id, signer.sign(message))


def sign_note(text: str, signers: Iterable[Signer]) -> str:
    """Return the signed note of ``text`` with one signature line per signer."""
    return format_note(text, [sign_text(text, s) for s in signers])


def add_signatures(note: str, signers: Iterable[Signer]) -> str:
    """Append signatures over an existing note's text (signature syntax checked, not verified)."""
    parsed = parse_note(note)
    new = [sign_text(parsed.text, s) for s in signers]
    return format_note(parsed.text, [*parsed.signatures, *new])


def verify_signatures(parsed: Note, verifiers: Iterable[Verifier]) -> OpenedNote:
    """Check each signature of a parsed note against the known keys.

    Signatures from unknown keys are listed as unverified; a known key whose signature
    fails, or a key that signed twice, raises.  The result may have no verified signature.
    """
    known: dict[tuple[str, int], Verifier] = {}
    for v in verifiers:
        if (v.name, v.key_id) in known:
            raise ValueError(f"two verifiers share name {v.name!r} and key id {v.key_id:08x}")
        known[(v.name, v.key_id)] = v
    message = parsed.text.encode("utf-8")
    seen: set[tuple[str, int]] = set()
    verified: list[Signature] = []
    unverified: list[Signature] = []
    for sig in parsed.signatures:
        ident = (sig.name, sig.key_id)
        if ident in seen:
            raise DuplicateSignature(*ident)
        seen.add(ident)
        verifier = known.get(ident)
        if verifier is None:
            unverified.append(sig)
        elif verifier.verify(message, sig.signature):
            verified.append(sig)
        else:
            raise InvalidSignature(*ident)
    return OpenedNote(parsed.text, tuple(verified), tuple(unverified))


def open_note(note: str | bytes, verifiers: Iterable[Verifier]) -> OpenedNote:
    """Verify a note against known keys; at least one known key must have signed it."""
    opened = verify_signatures(parse_note(note), verifiers)
    if not opened.verified:
        raise NoVerifiedSignature(opened.unverified)
    return opened
