from __future__ import annotations

import json
from pathlib import Path

import psycopg
import pytest

from ledger.hashing import leaf_hash
from ledger.note import open_note
from sealing import store
from sealing.record import parse_entry
from sealing.service import failures, seal_pile
from sealing.signer import CheckpointRefused, LogKeyMismatch, key_path
from storage.db import connect
from tests.sealing.helpers import add_pile, make_sealer, seal_all


def test_seal_checkpoint_and_correction(database_url: str, tmp_path: Path) -> None:
    add_pile(database_url, "P-1")
    add_pile(database_url, "P-2", status="incomplete")
    sealer = make_sealer(database_url, tmp_path)
    assert key_path(tmp_path).stat().st_mode & 0o777 == 0o600
    with connect(database_url) as conn:
        result = sealer.run_once(conn)
        assert result.sealed == 2 and result.checkpoint is not None
        assert result.checkpoint.size == 2
        open_note(result.checkpoint.note, [sealer.key.verifier])
        leaf = store.latest_pile_leaf(conn, "S1", "P-1")
        assert leaf is not None and leaf.kind == "seal"
        assert leaf.leaf_hash == leaf_hash(leaf.entry)
        record = parse_entry(leaf.entry)
        assert record["summary"]["cement_total_g"] == 1_234_500
        assert record["summary"]["cv_ppm"] == 120_000
        assert record["plan"]["design_cement_g_m"] == 55_000
        assert record["profile"]["bins"][0]["slurry_ml_m"] == 62_500
        assert record["samples"]["count"] == 5 and len(record["samples"]["sha256"]) == 64
        assert record["analytics_version"] == "analytics-1.0"
        # Nothing new: a second round seals nothing and signs nothing.
        again = sealer.run_once(conn)
        assert again.sealed == 0 and again.checkpoint is None
    # Re-evaluated after sealing → a correction naming the old leaf.
    add_pile(database_url, "P-1", revision=2, cement=1200.0)
    with connect(database_url) as conn:
        result = sealer.run_once(conn)
        assert result.sealed == 1 and result.checkpoint is not None
        history = store.pile_leaves(conn, "S1", "P-1")
        assert [h.kind for h in history] == ["seal", "correction"]
        corr = parse_entry(history[1].entry)
        assert corr["supersedes"] == {
            "leaf_index": history[0].index,
            "leaf_hash": history[0].leaf_hash.hex(),
        }
        assert corr["correction"] == {"by": "pilewatch-sealer", "reason": "re-evaluated"}
        manual = seal_pile(conn, "S1", "P-2", by="张工", reason="plan row corrected", force=True)
        assert manual is not None and manual.kind == "correction"
        assert json.loads(store.leaf_by_index(conn, manual.index).entry)["correction"] == {  # type: ignore[union-attr]
            "by": "张工",
            "reason": "plan row corrected",
        }


def test_indexes_are_gap_free_under_concurrency(database_url: str) -> None:
    import threading

    def worker(n: int) -> None:
        with connect(database_url) as conn:
            for i in range(10):
                with conn.transaction():
                    leaf = store.NewLeaf(f"{n}-{i}".encode(), "seal", "S", f"{n}-{i}", 1)
                    store.append_leaves(conn, [leaf])

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with connect(database_url) as conn:
        rows = conn.execute("SELECT leaf_index FROM ledger_leaves ORDER BY 1").fetchall()
        assert [r["leaf_index"] for r in rows] == list(range(40))
        from ledger.tree import root_from_leaf_hashes

        hashes = [leaf.leaf_hash for leaf in store.iter_leaves(conn)]
        assert store.root_at(conn, 40) == root_from_leaf_hashes(hashes)
        assert store.root_at(conn, 27) == root_from_leaf_hashes(hashes[:27])


def test_failing_pile_is_kept_with_attempts(database_url: str, tmp_path: Path) -> None:
    add_pile(database_url, "P-bad")
    with connect(database_url) as conn:
        conn.execute("UPDATE piles SET summary = '{\"x\": \"NaN\"}'::jsonb, profile = '[1e400]'")
    sealer = make_sealer(database_url, tmp_path)
    with connect(database_url) as conn:
        conn.execute("UPDATE piles SET findings = '[{\"value\": 1e300}]'::jsonb")
        result = sealer.run_once(conn)
        assert result.failed == 1 and result.sealed == 0
        [failure] = failures(conn)
        assert failure["pile_id"] == "P-bad" and failure["attempts"] == 1
        assert "integer" in failure["last_error"] or "±" in failure["last_error"]


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE ledger_leaves SET revision = 9",
        "DELETE FROM ledger_leaves",
        "TRUNCATE ledger_leaves",
        "UPDATE ledger_checkpoints SET note = 'x'",
        "DELETE FROM ledger_nodes",
        "TRUNCATE ledger_cosignatures",
    ],
)
def test_triggers_refuse_changes(database_url: str, tmp_path: Path, statement: str) -> None:
    add_pile(database_url, "P-1")
    seal_all(make_sealer(database_url, tmp_path), database_url)
    with connect(database_url) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute(statement)


def test_service_role_lacks_update_delete_truncate(database_url: str) -> None:
    with connect(database_url) as conn:
        row = conn.execute(
            "SELECT has_table_privilege('pilewatch_service', 'ledger_leaves', 'INSERT') AS ins,"
            " has_table_privilege('pilewatch_service', 'ledger_leaves', 'UPDATE') AS upd,"
            " has_table_privilege('pilewatch_service', 'ledger_leaves', 'DELETE') AS del,"
            " has_table_privilege('pilewatch_service', 'ledger_leaves', 'TRUNCATE') AS tru"
        ).fetchone()
        assert row == {"ins": True, "upd": False, "del": False, "tru": False}


def test_refuses_database_of_another_key(database_url: str, tmp_path: Path) -> None:
    make_sealer(database_url, tmp_path / "a")
    with pytest.raises(LogKeyMismatch):
        make_sealer(database_url, tmp_path / "b")


def test_refuses_to_sign_when_state_and_database_disagree(
    database_url: str, tmp_path: Path
) -> None:
    add_pile(database_url, "P-1")
    sealer = make_sealer(database_url, tmp_path)
    seal_all(sealer, database_url)
    (tmp_path / "ledger" / "log-signed.json").unlink()
    add_pile(database_url, "P-2")
    with connect(database_url) as conn, pytest.raises(CheckpointRefused, match="missing"):
        sealer.run_once(conn)
