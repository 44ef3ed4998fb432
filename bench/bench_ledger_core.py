"""Benchmark: inclusion and consistency proofs over 10^6 leaves.

Uses :class:`ledger.tree.MemoryNodeStore`, an in-memory reader that keeps every
perfect-subtree hash level by level, so each proof element costs O(log n) hashes.
Run: ``python bench/bench_ledger_core.py``.
"""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a plain script

from ledger.hashing import leaf_hash
from ledger.proofs import consistency_proof, inclusion_proof
from ledger.tree import MemoryNodeStore
from ledger.verify import verify_consistency, verify_inclusion

SIZE = 1_000_000
SAMPLES = 2_000


def main() -> None:
    rng = random.Random(6962)
    t0 = time.perf_counter()
    store = MemoryNodeStore()
    leaves: list[bytes] = []
    for i in range(SIZE):
        h = leaf_hash(i.to_bytes(8, "big"))
        leaves.append(h)
        store.append(h)
    build = time.perf_counter() - t0
    print(f"built store of {SIZE:,} leaves in {build:.2f} s ({SIZE / build:,.0f} leaves/s)")

    t0 = time.perf_counter()
    root = store.root()
    print(f"root at {SIZE:,}: {root.hex()} ({(time.perf_counter() - t0) * 1e6:.0f} µs)")

    sizes = [rng.randint(1, SIZE) for _ in range(SAMPLES)]
    indexes = [rng.randrange(s) for s in sizes]
    roots = {s: store.root(s) for s in sizes}

    t0 = time.perf_counter()
    proofs = [inclusion_proof(i, s, store) for i, s in zip(indexes, sizes, strict=True)]
    gen = (time.perf_counter() - t0) / SAMPLES
    t0 = time.perf_counter()
    for i, s, p in zip(indexes, sizes, proofs, strict=True):
        verify_inclusion(leaves[i], i, s, p, roots[s])
    ver = (time.perf_counter() - t0) / SAMPLES
    avg_len = sum(map(len, proofs)) / SAMPLES
    print(
        f"inclusion:   generate {gen * 1e6:8.1f} µs, verify {ver * 1e6:6.1f} µs, "
        f"avg {avg_len:.1f} hashes ({SAMPLES} random (index, size) pairs)"
    )

    pairs = [tuple(sorted((rng.randint(1, SIZE), rng.randint(1, SIZE)))) for _ in range(SAMPLES)]
    old_roots = {o: store.root(o) for o, _ in pairs}
    new_roots = {n: store.root(n) for _, n in pairs}
    t0 = time.perf_counter()
    cproofs = [consistency_proof(o, n, store) for o, n in pairs]
    gen = (time.perf_counter() - t0) / SAMPLES
    t0 = time.perf_counter()
    for (o, n), p in zip(pairs, cproofs, strict=True):
        verify_consistency(o, n, old_roots[o], new_roots[n], p)
    ver = (time.perf_counter() - t0) / SAMPLES
    avg_len = sum(map(len, cproofs)) / SAMPLES
    print(
        f"consistency: generate {gen * 1e6:8.1f} µs, verify {ver * 1e6:6.1f} µs, "
        f"avg {avg_len:.1f} hashes ({SAMPLES} random (old, new) pairs)"
    )


if __name__ == "__main__":
    main()
