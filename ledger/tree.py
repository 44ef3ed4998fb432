"""Merkle tree heads (RFC 9162 §2.1.1) computed iteratively.

* :func:`root_from_leaf_hashes` — MTH of a list of leaf hashes in O(n).
* :class:`CompactRange` — the stack of perfect-subtree roots covering ``[0, size)``;
  appending a leaf is amortised O(1) and the root at the current size is O(log n).
* :class:`HashReader` — the small interface a leaf-hash store offers; a store that can
  also answer :meth:`SubtreeReader.subtree_root` directly (for example from stored
  perfect-subtree node hashes) lets proofs be built without reading leaves.
* :func:`subtree_root` — MTH(D[begin:end]) through a reader.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol, runtime_checkable

from ledger.hashing import EMPTY_ROOT, check_hash, node_hash


class RangeError(ValueError):
    """A leaf range ``[begin, end)`` is empty, reversed or negative."""

    def __init__(self, begin: int, end: int) -> None:
        self.begin = begin
        self.end = end
        super().__init__(f"invalid leaf range [{begin}, {end}): need 0 <= begin < end")


@runtime_checkable
class HashReader(Protocol):
    """Read access to the leaf hashes of a log."""

    def leaf_hashes(self, begin: int, end: int) -> Sequence[bytes]:
        """Return the leaf hashes with indexes ``begin <= i < end``."""
        ...


@runtime_checkable
class SubtreeReader(HashReader, Protocol):
    """A reader that can answer MTH(D[begin:end]) itself (cached or stored nodes)."""

    def subtree_root(self, begin: int, end: int) -> bytes:
        """Return MTH(D[begin:end])."""
        ...


def largest_power_of_two_below(n: int) -> int:
    """Return the largest power of two k with k < n (RFC 9162 split point); n must be > 1."""
    if n < 2:
        raise ValueError(f"split point needs n > 1, got {n}")
    return 1 << ((n - 1).bit_length() - 1)


class CompactRange:
    """Incremental Merkle tree appender: perfect-subtree roots covering ``[0, size)``.

    ``hashes`` holds one root per set bit of ``size``, largest (leftmost) subtree first.
    """

    __slots__ = ("_hashes", "_size")

    def __init__(self, size: int = 0, hashes: Iterable[bytes] = ()) -> None:
        stack = [check_hash("compact range hash", h) for h in hashes]
        if size < 0 or len(stack) != size.bit_count():
            raise ValueError(
                f"compact range of size {size} needs {max(size, 0).bit_count()} hashes, "
                f"got {len(stack)}"
            )
        self._size = size
        self._hashes = stack

    @property
    def size(self) -> int:
        return self._size

    @property
    def hashes(self) -> tuple[bytes, ...]:
        return tuple(self._hashes)

    def append(self, leaf: bytes) -> None:
        """Append one leaf hash, merging completed subtrees."""
        h = check_hash("leaf hash", leaf)
        size = self._size
        while size & 1:
            h = node_hash(self._hashes.pop(), h)
            size >>= 1
        self._hashes.append(h)
        self._size += 1

    def extend(self, leaves: Iterable[bytes]) -> None:
        for leaf in leaves:
            self.append(leaf)

    def root(self) -> bytes:
        """Return MTH of the leaves appended so far."""
        if not self._hashes:
            return EMPTY_ROOT
        h = self._hashes[-1]
        for left in reversed(self._hashes[:-1]):
            h = node_hash(left, h)
        return h

    def copy(self) -> CompactRange:
        return CompactRange(self._size, self._hashes)


def root_from_leaf_hashes(leaves: Iterable[bytes]) -> bytes:
    """Return MTH of the given leaf hashes (O(n) hashing, O(log n) memory)."""
    cr = CompactRange()
    cr.extend(leaves)
    return cr.root()


def subtree_root(reader: HashReader, begin: int, end: int) -> bytes:
    """Return MTH(D[begin:end]) using the reader's own ``subtree_root`` when it has one."""
    if not 0 <= begin < end:
        raise RangeError(begin, end)
    if isinstance(reader, SubtreeReader):
        return reader.subtree_root(begin, end)
    leaves = reader.leaf_hashes(begin, end)
    if len(leaves) != end - begin:
        raise ValueError(
            f"reader returned {len(leaves)} leaf hashes for [{begin}, {end}), "
            f"expected {end - begin}"
        )
    return root_from_leaf_hashes(leaves)


class ListHashReader:
    """A :class:`HashReader` over an in-memory list of leaf hashes (no node cache)."""

    def __init__(self, leaves: Iterable[bytes] = ()) -> None:
        self._leaves = [check_hash("leaf hash", h) for h in leaves]

    def __len__(self) -> int:
        return len(self._leaves)

    def append(self, leaf: bytes) -> None:
        self._leaves.append(check_hash("leaf hash", leaf))

    def leaf_hashes(self, begin: int, end: int) -> Sequence[bytes]:
        if not 0 <= begin < end <= len(self._leaves):
            raise RangeError(begin, end)
        return self._leaves[begin:end]


class MemoryNodeStore:
    """In-memory :class:`SubtreeReader` keeping every perfect-subtree hash, level by level.

    Level ``l`` holds the roots of the aligned subtrees of ``2**l`` leaves, packed as
    32-byte slices of one ``bytearray``.  ``subtree_root`` of a range whose left edge is
    aligned (as in all RFC 9162 proofs) costs O(log n) hashes.
    """

    def __init__(self, leaves: Iterable[bytes] = ()) -> None:
        self._levels: list[bytearray] = [bytearray()]
        self._size = 0
        for leaf in leaves:
            self.append(leaf)

    def __len__(self) -> int:
        return self._size

    def append(self, leaf: bytes) -> None:
        h = check_hash("leaf hash", leaf)
        index = self._size
        level = 0
        self._levels[0] += h
        while index & 1:
            left = self._node(level, index - 1)
            h = node_hash(left, h)
            level += 1
            index >>= 1
            if len(self._levels) == level:
                self._levels.append(bytearray())
            self._levels[level] += h
        self._size += 1

    def _node(self, level: int, index: int) -> bytes:
        return bytes(self._levels[level][index * 32 : index * 32 + 32])

    def leaf_hashes(self, begin: int, end: int) -> Sequence[bytes]:
        if not 0 <= begin < end <= self._size:
            raise RangeError(begin, end)
        return [self._node(0, i) for i in range(begin, end)]

    def subtree_root(self, begin: int, end: int) -> bytes:
        if not 0 <= begin < end <= self._size:
            raise RangeError(begin, end)
        n = end - begin
        if n & (n - 1) == 0 and begin % n == 0:
            return self._node(n.bit_length() - 1, begin // n)
        k = largest_power_of_two_below(n)
        return node_hash(self.subtree_root(begin, begin + k), self.subtree_root(begin + k, end))

    def root(self, size: int | None = None) -> bytes:
        """Return MTH of the first ``size`` leaves (default: all)."""
        size = self._size if size is None else size
        if size == 0:
            return EMPTY_ROOT
        return self.subtree_root(0, size)
