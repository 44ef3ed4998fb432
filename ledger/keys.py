"""Signed-note key names, key IDs and key strings (c2sp.org/signed-note).

* verifier key: ``<name>+<hex8 key id>+<base64(type byte || public key)>``
* signer key:   ``PRIVATE+KEY+<name>+<hex8 key id>+<base64(type byte || private seed)>``
* key ID = SHA-256(name || 0x0A || type byte || public key)[:4], read big-endian.

Errors about private keys never repeat the key material.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass
from typing import Final

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

SIG_ED25519: Final = 0x01
SIG_COSIGNATURE_V1: Final = 0x04
_HEX8 = re.compile(r"[0-9a-f]{8}")
_PRIVATE_PREFIX: Final = "PRIVATE+KEY+"


class KeyStringError(ValueError):
    """Base class for key name and key string problems."""


class InvalidKeyName(KeyStringError):
    """A key name is empty or contains a Unicode space or '+'."""

    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(f"invalid key name {name!r}: must be non-empty, no spaces, no '+'")


class KeyFormatError(KeyStringError):
    """A key string does not parse, or its key ID does not match its key."""

    def __init__(self, reason: str, name: str | None = None) -> None:
        self.reason = reason
        self.name = name
        super().__init__(f"bad key string{f' for {name!r}' if name else ''}: {reason}")


def check_name(name: str) -> str:
    """Return ``name`` if it is a valid key name, else raise :class:`InvalidKeyName`."""
    if not name or "+" in name or any(c.isspace() or ord(c) < 0x20 for c in name):
        raise InvalidKeyName(name)
    return name


def key_id(name: str, sig_type: int, public_key: bytes) -> int:
    """Return the 32-bit key ID of (name, signature type, public key)."""
    data = check_name(name).encode() + b"\n" + bytes([sig_type]) + public_key
    return int.from_bytes(hashlib.sha256(data).digest()[:4], "big")


def b64decode_strict(text: str) -> bytes:
    """Decode canonical standard base64 (padding required, no whitespace, no junk)."""
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError) as exc:
        raise ValueError(f"not base64: {text!r}") from exc
    if base64.b64encode(raw).decode("ascii") != text:
        raise ValueError(f"non-canonical base64: {text!r}")
    return raw


def b64encode(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


@dataclass(frozen=True)
class VerifierKey:
    """A parsed verifier key string."""

    name: str
    key_id: int
    sig_type: int
    public_key: bytes

    def __str__(self) -> str:
        material = b64encode(bytes([self.sig_type]) + self.public_key)
        return f"{self.name}+{self.key_id:08x}+{material}"


@dataclass(frozen=True, repr=False)
class SignerKey:
    """A parsed signer key string; the seed is kept out of ``repr``."""

    name: str
    key_id: int
    sig_type: int
    seed: bytes

    def __repr__(self) -> str:
        return f"SignerKey(name={self.name!r}, key_id={self.key_id:08x}, type={self.sig_type})"

    def __str__(self) -> str:
        material = b64encode(bytes([self.sig_type]) + self.seed)
        return f"{_PRIVATE_PREFIX}{self.name}+{self.key_id:08x}+{material}"

    def public_key(self) -> bytes:
        return ed25519_public(self.seed)

    def verifier_key(self) -> VerifierKey:
        return VerifierKey(self.name, self.key_id, self.sig_type, self.public_key())


def ed25519_public(seed: bytes) -> bytes:
    if len(seed) != 32:
        raise KeyFormatError(f"Ed25519 seed must be 32 bytes, got {len(seed)}")
    return Ed25519PrivateKey.from_private_bytes(seed).public_key().public_bytes_raw()


def _split(text: str, private: bool) -> tuple[str, int, int, bytes]:
    parts = text.split("+", 2)
    if len(parts) != 3:
        raise KeyFormatError(f"expected 3 '+'-separated fields, got {len(parts)}")
    name, hex_id, material = parts
    try:
        check_name(name)
    except InvalidKeyName as exc:
        raise KeyFormatError("invalid key name", name) from exc
    if not _HEX8.fullmatch(hex_id):
        raise KeyFormatError("key id must be 8 lowercase hex digits", name)
    try:
        raw = b64decode_strict(material)
    except ValueError as exc:
        what = "key material is not canonical base64"
        raise KeyFormatError(what, name) from (None if private else exc)
    if len(raw) != 33:
        raise KeyFormatError(f"key material must be 1+32 bytes, got {len(raw)}", name)
    return name, int(hex_id, 16), raw[0], raw[1:]


def parse_verifier_key(text: str, sig_type: int = SIG_ED25519) -> VerifierKey:
    """Parse ``name+hex8+base64`` and check its type byte and key ID."""
    name, kid, typ, pub = _split(text, private=False)
    if typ != sig_type:
        raise KeyFormatError(f"signature type {typ:#04x}, expected {sig_type:#04x}", name)
    if key_id(name, typ, pub) != kid:
        raise KeyFormatError(f"key id {kid:08x} does not match the public key", name)
    return VerifierKey(name, kid, typ, pub)


def parse_signer_key(text: str, sig_type: int = SIG_ED25519) -> SignerKey:
    """Parse ``PRIVATE+KEY+name+hex8+base64`` and check its type byte and key ID."""
    if not text.startswith(_PRIVATE_PREFIX):
        raise KeyFormatError("signer key must start with PRIVATE+KEY+")
    name, kid, typ, seed = _split(text[len(_PRIVATE_PREFIX) :], private=True)
    if typ != sig_type:
        raise KeyFormatError(f"signature type {typ:#04x}, expected {sig_type:#04x}", name)
    if key_id(name, typ, ed25519_public(seed)) != kid:
        raise KeyFormatError(f"key id {kid:08x} does not match the private key", name)
    return SignerKey(name, kid, typ, seed)


def new_signer_key(name: str, sig_type: int, seed: bytes | None = None) -> SignerKey:
    """Return a signer key for ``name``; a random seed unless one is given (tests)."""
    if seed is None:
        seed = Ed25519PrivateKey.generate().private_bytes_raw()
    return SignerKey(check_name(name), key_id(name, sig_type, ed25519_public(seed)), sig_type, seed)
