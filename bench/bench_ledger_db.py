"""Benchmark: the ledger in PostgreSQL at 10^6 leaves.

Seals per second (the real path: record built from the database, canonicalised, appended
under the lock, one transaction per pile), then a bulk load of 10^6 leaves with COPY, then
inclusion and consistency proof times from the stored nodes, a full audit and bundle
verification. Needs PILEWATCH_DATABASE_URL (an admin URL: a scratch database is created and
dropped) or starts an embedded PostgreSQL.
Run: ``python bench/bench_ledger_db.py [leaves]``.
"""

from __future__ import annotations

import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a plain script

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from ledger.hashing import leaf_hash
from ledger.tree import MemoryNodeStore
from ledger.verify import verify_consistency, verify_inclusion
from runtime.settings import get_settings
from sealing import store
from sealing.audit import audit
from sealing.bundle import make_bundle, verify_bundle
from storage.db import connect
from storage.migrations import migrate

SIZE = 1_000_000
SEALS = 200
PROOFS = 500


def _ms(samples: list[float]) -> str:
    s = sorted(samples)
    return f"median {statistics.median(s) * 1e3:.2f} ms, p99 {s[int(len(s) * 0.99)] * 1e3:.2f} ms"


def bulk_load(url: str, size: int) -> None:
    """COPY `size` synthetic leaves and all their perfect-subtree nodes."""
    tree = MemoryNodeStore()
    with connect(url) as conn, conn.transaction(), conn.cursor() as cur:
        conn.execute("SET LOCAL session_replication_role = replica")
        with cur.copy(
            "COPY ledger_leaves (leaf_index, leaf_hash, entry, kind, site_id, pile_id, revision)"
            " FROM STDIN"
        ) as copy:
            for i in range(size):
                entry = b'{"kind":"seal","pile":"B-%d","revision":1,"site":"BENCH"}' % i
                h = leaf_hash(entry)
                tree.append(h)
                copy.write_row((i, h, entry, "seal", "BENCH", f"B-{i}", 1))
        with cur.copy("COPY ledger_nodes (level, idx, hash) FROM STDIN") as copy:
            level = 0
            while (size >> level) > 0:
                width = 1 << level
                for idx in range(size >> level):
                    copy.write_row((level, idx, tree.subtree_root(idx * width, (idx + 1) * width)))
                level += 1


def run(url: str, size: int) -> None:
    from tests.sealing.helpers import add_pile, make_sealer

    state = Path(tempfile.mkdtemp(prefix="pw-bench-"))
    for i in range(SEALS):
        add_pile(url, f"S-{i}", samples=200)
    sealer = make_sealer(url, state, ledger_batch_size=SEALS)
    t0 = time.perf_counter()
    with connect(url) as conn:
        result = sealer.run_once(conn)
    dt = time.perf_counter() - t0
    print(
        f"seals: {result.sealed} piles (200 samples each) + checkpoint in {dt:.2f} s "
        f"= {result.sealed / dt:.0f} seals/s"
    )

    with connect(url) as conn:
        conn.execute("SET session_replication_role = replica")
        conn.execute(
            "TRUNCATE ledger_leaves, ledger_nodes, ledger_cosignatures, ledger_checkpoints"
        )
    t0 = time.perf_counter()
    bulk_load(url, size)
    print(f"bulk load: {size:,} leaves + nodes by COPY in {time.perf_counter() - t0:.1f} s")
    rng = random.Random(6962)
    with connect(url) as conn:
        root = store.root_at(conn, size)
        incl, cons = [], []
        for _ in range(PROOFS):
            index = rng.randrange(size)
            t0 = time.perf_counter()
            proof = store.inclusion_proof_db(conn, index, size)
            incl.append(time.perf_counter() - t0)
            verify_inclusion(store.leaf_by_index(conn, index).leaf_hash, index, size, proof, root)  # type: ignore[union-attr]
        for _ in range(PROOFS):
            old = rng.randrange(1, size)
            t0 = time.perf_counter()
            proof = store.consistency_proof_db(conn, old, size)
            cons.append(time.perf_counter() - t0)
            verify_consistency(old, size, store.root_at(conn, old), root, proof)
        print(f"inclusion proof at {size:,}: {_ms(incl)}")
        print(f"consistency proof at {size:,}: {_ms(cons)}")
        # Sign a checkpoint over the loaded tree for the audit and the bundle.
        from ledger.checkpoint import Checkpoint
        from ledger.note import sign_note

        note = sign_note(Checkpoint(sealer.key.origin, size, root).body(), [sealer.key.signer])
        store.insert_checkpoint(conn, size, root, note)
        t0 = time.perf_counter()
        report = audit(conn, sealer.vkey)
        dt = time.perf_counter() - t0
        print(
            f"full audit of {report.leaves:,} leaves and their nodes: {dt:.1f} s, "
            f"{len(report.findings)} finding(s)"
        )
        leaf = store.leaf_by_index(conn, size // 3)
        assert leaf is not None
        bundle = make_bundle(conn, leaf, log_key=sealer.vkey)
        times = []
        for _ in range(200):
            t0 = time.perf_counter()
            verify_bundle(bundle, sealer.vkey)
            times.append(time.perf_counter() - t0)
        print(f"bundle verification: {_ms(times)}")


def main() -> None:
    size = int(sys.argv[1]) if len(sys.argv) > 1 else SIZE
    import os

    admin = os.environ.get("PILEWATCH_DATABASE_URL")
    server = None
    if not admin:
        from runtime.embedded_db import start_embedded_postgres

        server = start_embedded_postgres(Path(tempfile.mkdtemp(prefix="pw-bench-pg-")) / "data")
        admin = server.url
    name = f"pw_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = make_conninfo(admin, dbname=name)
    try:
        migrate(url, get_settings(database_url=url))
        run(url, size)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(
                f'DROP DATABASE IF EXISTS "{conninfo_to_dict(url)["dbname"]}" WITH (FORCE)'
            )
        if server is not None:
            server.stop()


if __name__ == "__main__":
    main()
