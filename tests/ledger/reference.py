"""Slow reference implementations straight from the RFC 9162 definitions (tests only)."""

from __future__ import annotations

from ledger.hashing import EMPTY_ROOT, node_hash


def split(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def reference_mth(leaves: list[bytes]) -> bytes:
    """RFC 9162 §2.1.1 MTH, recursive."""
    n = len(leaves)
    if n == 0:
        return EMPTY_ROOT
    if n == 1:
        return leaves[0]
    k = split(n)
    return node_hash(reference_mth(leaves[:k]), reference_mth(leaves[k:]))


def ref_path(m: int, leaves: list[bytes]) -> list[bytes]:
    """RFC 9162 §2.1.3.1 PATH(m, D[n]), recursive."""
    n = len(leaves)
    if n <= 1:
        return []
    k = split(n)
    if m < k:
        return [*ref_path(m, leaves[:k]), reference_mth(leaves[k:])]
    return [*ref_path(m - k, leaves[k:]), reference_mth(leaves[:k])]


def ref_subproof(m: int, leaves: list[bytes], whole: bool) -> list[bytes]:
    """RFC 9162 §2.1.4.1 SUBPROOF(m, D[n], b), recursive."""
    n = len(leaves)
    if m == n:
        return [] if whole else [reference_mth(leaves)]
    k = split(n)
    if m <= k:
        return [*ref_subproof(m, leaves[:k], whole), reference_mth(leaves[k:])]
    return [*ref_subproof(m - k, leaves[k:], False), reference_mth(leaves[:k])]
