"""Inclusion and consistency proof verification (RFC 9162 §2.1.3.2 and §2.1.4.2).

Every failure raises a :class:`ProofError` subclass carrying the offending values.
"""

from __future__ import annotations

from collections.abc import Sequence

from ledger.hashing import EMPTY_ROOT, HASH_SIZE, HashLengthError, node_hash


class ProofError(Exception):
    """Base class: a proof does not verify."""


class InvalidTreeSize(ProofError):
    """Index or sizes are impossible for the claimed proof."""

    def __init__(self, message: str, **values: int) -> None:
        self.values = values
        super().__init__(message)


class ProofLengthError(ProofError):
    """The proof has the wrong number of elements for its index and sizes."""

    def __init__(self, expected: int, got: int) -> None:
        self.expected = expected
        self.got = got
        super().__init__(f"wrong proof length: expected {expected} hashes, got {got}")


class HashSizeError(ProofError, HashLengthError):
    """A leaf hash or proof element is not 32 bytes (``what`` and ``value`` say which)."""


class RootMismatch(ProofError):
    """The root calculated from the proof differs from the expected root."""

    def __init__(self, which: str, expected: bytes, calculated: bytes) -> None:
        self.which = which
        self.expected = expected
        self.calculated = calculated
        super().__init__(
            f"{which} mismatch: expected {expected.hex()}, calculated {calculated.hex()}"
        )


def _check_size(what: str, value: bytes) -> None:
    if len(value) != HASH_SIZE:
        raise HashSizeError(what, value)


def inclusion_proof_length(index: int, size: int) -> int:
    """Number of hashes in the inclusion proof of ``index`` in a tree of ``size`` leaves."""
    inner = (index ^ (size - 1)).bit_length()
    border = (index >> inner).bit_count()
    return inner + border


def consistency_proof_length(old_size: int, new_size: int) -> int:
    """Number of hashes in the consistency proof from ``old_size`` to ``new_size`` (0 < old)."""
    if old_size == new_size:
        return 0
    shift = (old_size & -old_size).bit_length() - 1
    base = inclusion_proof_length(old_size - 1, new_size) - shift
    return base if old_size == 1 << shift else base + 1


def root_from_inclusion_proof(
    leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes]
) -> bytes:
    """Return the root implied by ``proof`` for ``leaf_hash`` at ``index`` in ``size`` leaves."""
    if not 0 <= index < size:
        raise InvalidTreeSize(
            f"leaf index {index} is outside a tree of size {size}", index=index, size=size
        )
    _check_size("leaf hash", leaf_hash)
    expected = inclusion_proof_length(index, size)
    if len(proof) != expected:
        raise ProofLengthError(expected, len(proof))
    fn, sn, r = index, size - 1, leaf_hash
    for i, p in enumerate(proof):
        _check_size(f"proof[{i}]", p)
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:  # unreachable given the length check; kept as the RFC's final test
        raise ProofLengthError(expected, len(proof))
    return r


def verify_inclusion(
    leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> None:
    """Check that ``leaf_hash`` is leaf ``index`` of the tree with ``size`` leaves and ``root``."""
    calculated = root_from_inclusion_proof(leaf_hash, index, size, proof)
    if calculated != root:
        raise RootMismatch("root", root, calculated)


def verify_consistency(
    old_size: int,
    new_size: int,
    old_root: bytes,
    new_root: bytes,
    proof: Sequence[bytes],
) -> None:
    """Check that the tree (``new_size``, ``new_root``) extends (``old_size``, ``old_root``)."""
    if old_size < 0 or new_size < old_size:
        raise InvalidTreeSize(
            f"need 0 <= old_size <= new_size, got old_size={old_size} new_size={new_size}",
            old_size=old_size,
            new_size=new_size,
        )
    if old_size == new_size:
        if proof:
            raise ProofLengthError(0, len(proof))
        if old_size == 0 and old_root != EMPTY_ROOT:
            raise RootMismatch("empty tree root", EMPTY_ROOT, old_root)
        if new_root != old_root:
            raise RootMismatch("new root", new_root, old_root)
        return
    if old_size == 0:
        raise InvalidTreeSize(
            f"consistency with an empty tree proves nothing (new_size={new_size})",
            old_size=old_size,
            new_size=new_size,
        )
    expected = consistency_proof_length(old_size, new_size)
    if len(proof) != expected:
        raise ProofLengthError(expected, len(proof))
    for i, p in enumerate(proof):
        _check_size(f"proof[{i}]", p)

    path = list(proof)
    if old_size & (old_size - 1) == 0:
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofLengthError(expected, len(proof))
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofLengthError(expected, len(proof))
    if fr != old_root:
        raise RootMismatch("old root", old_root, fr)
    if sr != new_root:
        raise RootMismatch("new root", new_root, sr)
