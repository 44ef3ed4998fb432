"""C2SP tlog cosignatures, Ed25519 v1 (https://c2sp.org/tlog-cosignature).

* key ID = SHA-256(name || 0x0A || 0x04 || Ed25519 public key)[:4]
* signed message = ``"cosignature/v1\\ntime <timestamp>\\n"`` || checkpoint note text
* signature line payload = key ID (4) || timestamp (uint64 big-endian, 8) || Ed25519 sig (64)

Time is never read here: the caller passes the POSIX timestamp.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Final

from cryptography.exceptions import InvalidSignature as _CryptoInvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ledger.checkpoint import Checkpoint, parse_checkpoint
from ledger.keys import (
    SIG_COSIGNATURE_V1,
    SignerKey,
    VerifierKey,
    new_signer_key,
    parse_signer_key,
    parse_verifier_key,
)
from ledger.note import (
    NoteError,
    Signature,
    check_text,
    format_note,
    parse_note,
    verify_signatures,
)

MAX_TIMESTAMP: Final = 2**63 - 1
COSIGNATURE_LEN: Final = 8 + 64


class CosignatureError(NoteError):
    """A cosignature is malformed (wrong length, timestamp out of range)."""

    def __init__(self, reason: str, name: str | None = None) -> None:
        self.reason = reason
        self.name = name
        super().__init__(f"bad cosignature{f' by {name}' if name else ''}: {reason}")


def _check_timestamp(timestamp: int) -> int:
    if not 0 <= timestamp <= MAX_TIMESTAMP:
        raise CosignatureError(f"timestamp {timestamp} outside 0..2^63-1")
    return timestamp


def cosigned_message(body: str, timestamp: int) -> bytes:
    """Return the bytes a v1 cosignature signs for checkpoint text ``body`` at ``timestamp``."""
    header = f"cosignature/v1\ntime {_check_timestamp(timestamp)}\n"
    return (header + check_text(body)).encode("utf-8")


@dataclass(frozen=True)
class Cosignature:
    """A verified (or freshly made) cosignature."""

    name: str
    key_id: int
    timestamp: int
    signature: bytes

    def as_note_signature(self) -> Signature:
        return Signature(self.name, self.key_id, self.timestamp.to_bytes(8, "big") + self.signature)

    def line(self) -> str:
        return self.as_note_signature().line()


@dataclass(frozen=True)
class CosignatureSigner:
    name: str
    key_id: int
    _key: Ed25519PrivateKey = field(repr=False)

    @classmethod
    def from_key(cls, key: SignerKey | str) -> CosignatureSigner:
        k = parse_signer_key(key, SIG_COSIGNATURE_V1) if isinstance(key, str) else key
        return cls(k.name, k.key_id, Ed25519PrivateKey.from_private_bytes(k.seed))

    def cosign(self, body: str, timestamp: int) -> Cosignature:
        """Cosign checkpoint text ``body`` (validated as a checkpoint) at ``timestamp``."""
        parse_checkpoint(body)
        sig = self._key.sign(cosigned_message(body, timestamp))
        return Cosignature(self.name, self.key_id, timestamp, sig)


@dataclass(frozen=True)
class CosignatureVerifier:
    """Verifies v1 cosignatures; usable as a :class:`ledger.note.Verifier`."""

    name: str
    key_id: int
    _key: Ed25519PublicKey = field(repr=False)

    @classmethod
    def from_key(cls, key: VerifierKey | str) -> CosignatureVerifier:
        k = parse_verifier_key(key, SIG_COSIGNATURE_V1) if isinstance(key, str) else key
        return cls(k.name, k.key_id, Ed25519PublicKey.from_public_bytes(k.public_key))

    def verify(self, message: bytes, signature: bytes) -> bool:
        """Check ``timestamp || sig`` over note text ``message`` (note.Verifier protocol)."""
        if len(signature) != COSIGNATURE_LEN:
            return False
        timestamp = int.from_bytes(signature[:8], "big")
        if timestamp > MAX_TIMESTAMP:
            return False
        try:
            signed = cosigned_message(message.decode("utf-8"), timestamp)
            self._key.verify(signature[8:], signed)
        except (_CryptoInvalidSignature, UnicodeDecodeError, NoteError):
            return False
        return True


def generate_cosigner_key(name: str, seed: bytes | None = None) -> tuple[str, str]:
    """Return ``(signer key string, verifier key string)`` for a new witness key (type 0x04)."""
    key = new_signer_key(name, SIG_COSIGNATURE_V1, seed)
    return str(key), str(key.verifier_key())


def cosign_checkpoint(body: str, signer: CosignatureSigner, timestamp: int) -> str:
    """Return the signature line (with trailing newline) cosigning checkpoint text ``body``."""
    return signer.cosign(body, timestamp).line()


def add_cosignature(note: str, signer: CosignatureSigner, timestamp: int) -> str:
    """Append a cosignature to a signed checkpoint note (existing signatures kept as-is)."""
    parsed = parse_note(note)
    cosig = signer.cosign(parsed.text, timestamp).as_note_signature()
    return format_note(parsed.text, [*parsed.signatures, cosig])


@dataclass(frozen=True)
class CosignedCheckpoint:
    checkpoint: Checkpoint
    cosignatures: tuple[Cosignature, ...]


def verify_cosignatures(
    note: str | bytes, witnesses: Iterable[CosignatureVerifier]
) -> CosignedCheckpoint:
    """Return the checkpoint and the cosignatures on it that verify against ``witnesses``.

    Lines from unknown keys are ignored (the log's own signature is checked with
    :func:`ledger.note.open_note`); a known witness whose cosignature fails, or that
    cosigned twice, raises.  The caller decides how many cosignatures make a quorum.
    """
    parsed = parse_note(note)
    checkpoint = parse_checkpoint(parsed.text)
    opened = verify_signatures(parsed, witnesses)
    cosignatures = tuple(
        Cosignature(s.name, s.key_id, int.from_bytes(s.signature[:8], "big"), s.signature[8:])
        for s in opened.verified
    )
    return CosignedCheckpoint(checkpoint, cosignatures)
