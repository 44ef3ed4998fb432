"""Inclusion and consistency proof generation (RFC 9162 §2.1.3.1 and §2.1.4.1).

Both walks descend from the root once, collecting O(log n) sibling ranges; each range's
root is then asked of the :class:`~ledger.tree.HashReader`.  With a reader that stores
perfect-subtree hashes each range costs O(log n), so a proof costs O(log² n) hashes.
Proof elements are ordered leaf-to-root, as RFC 9162 verification expects.
"""

from __future__ import annotations

from ledger.tree import HashReader, largest_power_of_two_below, subtree_root


class ProofRequestError(ValueError):
    """A proof was asked for impossible parameters (index or sizes out of range)."""

    def __init__(self, message: str, **values: int) -> None:
        self.values = values
        super().__init__(message)


def inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """Return the leaf ranges whose roots form the inclusion proof, leaf-to-root."""
    if not 0 <= index < size:
        raise ProofRequestError(
            f"inclusion proof needs 0 <= index < size, got index={index} size={size}",
            index=index,
            size=size,
        )
    ranges: list[tuple[int, int]] = []
    begin, end = 0, size
    while end - begin > 1:
        k = largest_power_of_two_below(end - begin)
        if index < begin + k:
            ranges.append((begin + k, end))
            end = begin + k
        else:
            ranges.append((begin, begin + k))
            begin += k
    ranges.reverse()
    return ranges


def consistency_ranges(old_size: int, new_size: int) -> list[tuple[int, int]]:
    """Return the leaf ranges whose roots form the consistency proof, leaf-to-root."""
    if not 0 < old_size <= new_size:
        raise ProofRequestError(
            f"consistency proof needs 0 < old_size <= new_size, "
            f"got old_size={old_size} new_size={new_size}",
            old_size=old_size,
            new_size=new_size,
        )
    ranges: list[tuple[int, int]] = []
    begin, end, m = 0, new_size, old_size
    whole_old_tree = True  # the "b" flag of SUBPROOF
    while m != end - begin:
        k = largest_power_of_two_below(end - begin)
        if m <= k:
            ranges.append((begin + k, end))
            end = begin + k
        else:
            ranges.append((begin, begin + k))
            m -= k
            begin += k
            whole_old_tree = False
    if not whole_old_tree:
        ranges.append((begin, end))
    ranges.reverse()
    return ranges


def inclusion_proof(index: int, size: int, reader: HashReader) -> list[bytes]:
    """Return the audit path for leaf ``index`` in the tree of the first ``size`` leaves."""
    return [subtree_root(reader, b, e) for b, e in inclusion_ranges(index, size)]


def consistency_proof(old_size: int, new_size: int, reader: HashReader) -> list[bytes]:
    """Return the consistency proof between tree sizes ``old_size`` and ``new_size``.

    Equal sizes give an empty proof; ``old_size`` 0 is refused (nothing to prove).
    """
    return [subtree_root(reader, b, e) for b, e in consistency_ranges(old_size, new_size)]
