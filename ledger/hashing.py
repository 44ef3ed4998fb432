"""RFC 6962 / RFC 9162 Merkle tree hashing with SHA-256.

Leaves and interior nodes are domain-separated by a one-byte prefix so that a
leaf can never be confused with an interior node (second-preimage defence).
"""

from __future__ import annotations

import hashlib
from typing import Final

HASH_SIZE: Final = 32
LEAF_PREFIX: Final = b"\x00"
NODE_PREFIX: Final = b"\x01"

#: MTH({}) = SHA-256() — the root of the empty tree.
EMPTY_ROOT: Final = hashlib.sha256(b"").digest()


class HashLengthError(ValueError):
    """A value used as a node hash is not :data:`HASH_SIZE` bytes long."""

    def __init__(self, what: str, value: bytes) -> None:
        self.what = what
        self.value = value
        super().__init__(f"{what} must be {HASH_SIZE} bytes, got {len(value)}")


def leaf_hash(data: bytes) -> bytes:
    """Return SHA-256(0x00 || data), the hash of a leaf entry."""
    return hashlib.sha256(LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """Return SHA-256(0x01 || left || right), the hash of an interior node."""
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def check_hash(what: str, value: bytes) -> bytes:
    """Return ``value`` unchanged if it is a 32-byte hash, else raise :class:`HashLengthError`."""
    if len(value) != HASH_SIZE:
        raise HashLengthError(what, value)
    return value
