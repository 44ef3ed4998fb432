"""Tamper trials: a superuser disables the triggers and changes the ledger; each change is
caught, and the test asserts by which check and on what."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from cli.main import main as cli
from ledger.checkpoint import Checkpoint
from ledger.hashing import leaf_hash
from ledger.keys import b64encode
from ledger.note import Ed25519Signer, generate_key, sign_note
from sealing import store
from sealing.audit import audit
from sealing.bundle import make_bundle, verify_bundle
from sealing.findings import VerificationFailed
from sealing.witness_server import Witness, make_server
from sealing.witnesses import WitnessConfig
from storage.db import connect
from tests.sealing.helpers import add_pile, make_sealer


@pytest.fixture
def sealed(database_url: str, tmp_path: Path):
    """Four sealed piles and a checkpoint of size 4."""
    for i in range(4):
        add_pile(database_url, f"P-{i}")
    sealer = make_sealer(database_url, tmp_path / "state")
    with connect(database_url) as conn:
        assert sealer.run_once(conn).checkpoint is not None
    return sealer


def _superuser(url: str, *statements: str, params: tuple = ()) -> None:
    with connect(url) as conn, conn.transaction():
        conn.execute("SET LOCAL session_replication_role = replica")  # triggers off
        for s in statements:
            conn.execute(s, params if "%s" in s else None)


def _checks(report) -> set[tuple[str, str]]:
    return {(f.check, f.subject) for f in report.findings}


def test_clean_log_audits_and_bundle_verifies(database_url: str, sealed, tmp_path: Path) -> None:
    with connect(database_url) as conn:
        report = audit(conn, sealed.vkey)
        assert report.ok and report.leaves == 4 and report.checkpoints == 1
        leaf = store.latest_pile_leaf(conn, "S1", "P-2")
        assert leaf is not None
        bundle = make_bundle(conn, leaf, log_key=sealed.vkey)
    assert bundle is not None
    path = tmp_path / "b.json"
    path.write_text(json.dumps(bundle))
    out = CliRunner().invoke(cli, ["verify", str(path), "--log-key", sealed.vkey])
    assert out.exit_code == 0, out.output
    assert "leaf 2 of the signed tree of size 4" in out.output


def test_change_one_number_in_a_sealed_record(database_url: str, sealed) -> None:
    with connect(database_url) as conn:
        leaf = store.leaf_by_index(conn, 1)
        assert leaf is not None
        bundle_before = make_bundle(conn, leaf, log_key=sealed.vkey)
    _superuser(
        database_url,
        "UPDATE ledger_leaves SET entry = convert_to(replace(convert_from(entry, 'UTF8'),"
        " '\"cement_total_g\":1234500', '\"cement_total_g\":1334500'), 'UTF8')"
        " WHERE leaf_index = 1",
    )
    with connect(database_url) as conn:
        report = audit(conn, sealed.vkey)
        assert ("leaf-hash", "leaf 1") in _checks(report)
        assert ("checkpoint-root", "checkpoint 4") in _checks(report)
        leaf = store.leaf_by_index(conn, 1)
        assert leaf is not None and b"1334500" in leaf.entry
        tampered = make_bundle(conn, leaf, log_key=sealed.vkey)
    assert tampered is not None and bundle_before is not None
    with pytest.raises(VerificationFailed) as caught:
        verify_bundle(tampered, sealed.vkey)
    assert caught.value.finding.check == "inclusion"
    assert "leaf 1" in caught.value.finding.message
    # The same change inside a bundle someone holds: the leaf hash no longer matches.
    bundle_before["entry"] = bundle_before["entry"].replace("1234500", "1334500")
    with pytest.raises(VerificationFailed) as caught:
        verify_bundle(bundle_before, sealed.vkey)
    assert caught.value.finding.check == "leaf-hash"


def test_delete_a_leaf(database_url: str, sealed) -> None:
    _superuser(database_url, "DELETE FROM ledger_leaves WHERE leaf_index = 2")
    with connect(database_url) as conn:
        checks = _checks(audit(conn, sealed.vkey))
    assert ("leaf-missing", "leaf 2") in checks
    assert ("checkpoint-size", "checkpoint 4") in checks


def test_swap_two_leaves(database_url: str, sealed) -> None:
    _superuser(
        database_url,
        "UPDATE ledger_leaves SET leaf_index = 1000 + leaf_index WHERE leaf_index IN (0, 3)",
        "UPDATE ledger_leaves SET leaf_index = CASE leaf_index WHEN 1000 THEN 3 ELSE 0 END"
        " WHERE leaf_index >= 1000",
    )
    with connect(database_url) as conn:
        report = audit(conn, sealed.vkey)
    checks = _checks(report)
    assert ("checkpoint-root", "checkpoint 4") in checks
    assert ("node-hash", "node 0/0 (leaves 0..0)") in checks
    [root] = [f for f in report.findings if f.check == "checkpoint-root"]
    assert root.expected != root.calculated


def test_truncate_and_reinsert(database_url: str, sealed, tmp_path: Path) -> None:
    """Truncate the leaves and nodes and re-append altered records with consistent hashes."""
    with connect(database_url) as conn:
        leaves = list(store.iter_leaves(conn))
    _superuser(database_url, "TRUNCATE ledger_leaves, ledger_nodes")
    with connect(database_url) as conn, conn.transaction():
        store.append_leaves(
            conn,
            [
                store.NewLeaf(
                    leaf.entry.replace(b'"grade":"A"', b'"grade":"B"'),
                    leaf.kind,
                    leaf.site,
                    leaf.pile,
                    leaf.revision,
                    leaf.supersedes,
                )
                for leaf in leaves
            ],
        )
    with connect(database_url) as conn:
        report = audit(conn, sealed.vkey)
    assert _checks(report) == {("checkpoint-root", "checkpoint 4")}
    # And the log itself refuses to sign over the rewritten tree.
    from sealing.signer import CheckpointRefused

    add_pile(database_url, "P-new")
    with connect(database_url) as conn, pytest.raises(CheckpointRefused, match="not consistent"):
        sealed.run_once(conn)


def test_resign_a_checkpoint_with_another_key(database_url: str, sealed) -> None:
    other = Ed25519Signer.from_key(generate_key(sealed.key.origin)[0])
    with connect(database_url) as conn:
        cp = store.latest_checkpoint(conn)
        assert cp is not None
    forged = sign_note(Checkpoint(sealed.key.origin, cp.size, cp.root).body(), [other])
    _superuser(
        database_url,
        "UPDATE ledger_checkpoints SET note = %s WHERE tree_size = 4",
        params=(forged,),
    )
    with connect(database_url) as conn:
        assert ("checkpoint-signature", "checkpoint 4") in _checks(audit(conn, sealed.vkey))
        leaf = store.leaf_by_index(conn, 0)
        assert leaf is not None
        bundle = make_bundle(conn, leaf, log_key=sealed.vkey)
    with pytest.raises(VerificationFailed) as caught:
        verify_bundle(bundle, sealed.vkey)
    assert caught.value.finding.check == "log-signature"


@pytest.fixture
def witness(sealed, tmp_path: Path) -> Iterator[tuple[Witness, str]]:
    w = Witness(tmp_path / "witness", sealed.vkey, "supervisor-witness")
    server = make_server(w, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield w, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _post(url: str, body: str) -> httpx.Response:
    return httpx.post(f"{url}/add-checkpoint", content=body.encode(), timeout=10)


def test_witness_http_happy_stale_badproof_and_fork(
    database_url: str, sealed, witness, tmp_path: Path
) -> None:
    _w, url = witness
    assert (tmp_path / "witness" / "witness.key").stat().st_mode & 0o777 == 0o600
    with connect(database_url) as conn:
        cp4 = store.latest_checkpoint(conn)
        assert cp4 is not None
    first = _post(url, f"old 0\n\n{cp4.note}")
    assert first.status_code == 200 and first.text.startswith("— supervisor-witness ")
    # Grow the log: 4 → 6.
    add_pile(database_url, "P-4")
    add_pile(database_url, "P-5")
    with connect(database_url) as conn:
        cp6 = sealed.run_once(conn).checkpoint
        assert cp6 is not None and cp6.size == 6
        proof = store.consistency_proof_db(conn, 4, 6)
    stale = _post(url, f"old 0\n\n{cp6.note}")
    assert stale.status_code == 409 and stale.text.strip() == "4"
    assert "x.tlog.size" in stale.headers["content-type"]
    bad = [bytes(32), *proof[1:]]
    refused = _post(url, "old 4\n" + "".join(b64encode(p) + "\n" for p in bad) + "\n" + cp6.note)
    assert refused.status_code == 422 and "consistency proof 4 -> 6" in refused.text
    # A note signed by another key with the log's name.
    other = Ed25519Signer.from_key(generate_key(sealed.key.origin)[0])
    forged = sign_note(Checkpoint(sealed.key.origin, 6, cp6.root).body(), [other])
    assert (
        _post(
            url, "old 4\n" + "".join(b64encode(p) + "\n" for p in proof) + "\n" + forged
        ).status_code
        == 403
    )
    good = _post(url, "old 4\n" + "".join(b64encode(p) + "\n" for p in proof) + "\n" + cp6.note)
    assert good.status_code == 200
    # Fork: the operator (holding the log key) signs a different tree of the same size.
    fork_root = leaf_hash(b"forked")
    fork = sign_note(Checkpoint(sealed.key.origin, 6, fork_root).body(), [sealed.key.signer])
    forked = _post(url, f"old 6\n\n{fork}")
    assert forked.status_code == 409 and "fork at size 6" in forked.text
    # A forked bigger tree whose proof cannot link to what the witness cosigned.
    fork7 = sign_note(Checkpoint(sealed.key.origin, 7, fork_root).body(), [sealed.key.signer])
    with connect(database_url) as conn:
        add_pile(database_url, "P-6")
        conn.execute("SELECT 1")
    refused7 = _post(url, f"old 6\n{b64encode(fork_root)}\n{b64encode(fork_root)}\n\n{fork7}")
    assert refused7.status_code == 422


def test_sealer_offers_to_witness_and_quorum(database_url: str, tmp_path: Path) -> None:
    add_pile(database_url, "P-0")
    sealer = make_sealer(database_url, tmp_path / "state")
    w = Witness(tmp_path / "witness", sealer.vkey, "supervisor-witness")
    server = make_server(w, "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        sealer.offerer.witnesses = [WitnessConfig(url, w.vkey)]
        with connect(database_url) as conn:
            sealer.run_once(conn)
            assert [c.size for c in store.cosignatures(conn)] == [1]
            add_pile(database_url, "P-1")
            sealer.offerer.known.clear()  # forget: the 409 tells the sealer the size
            sealer.run_once(conn)
            assert [c.size for c in store.cosignatures(conn)] == [1, 2]
            report = audit(conn, sealer.vkey, [w.vkey], quorum=1)
            assert report.ok, report.findings
            leaf = store.leaf_by_index(conn, 0)
            assert leaf is not None
            bundle = make_bundle(conn, leaf, log_key=sealer.vkey, witness_keys=[w.vkey], quorum=1)
        assert verify_bundle(bundle, sealer.vkey, [w.vkey], 1).cosigners == 1
        with pytest.raises(VerificationFailed) as caught:
            verify_bundle(bundle, sealer.vkey, [w.vkey], 2)
        assert caught.value.finding.check == "witness-quorum"
    finally:
        server.shutdown()
        server.server_close()


def test_verify_cli_bad_input(tmp_path: Path) -> None:
    runner = CliRunner()
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    out = runner.invoke(cli, ["verify", str(bad), "--log-key", "x+00000000+AA=="])
    assert out.exit_code == 2 and "cannot read the bundle" in out.output
    assert "Traceback" not in out.output
    out = runner.invoke(cli, ["verify", str(tmp_path / "missing.json"), "--log-key", "k"])
    assert out.exit_code == 2 and "cannot read the bundle" in out.output
    ok = tmp_path / "b.json"
    ok.write_text(
        json.dumps(
            {
                "format": "pilewatch-bundle/v1",
                "entry": "{}",
                "leaf_index": 0,
                "checkpoint": "x",
                "proof": [],
            }
        )
    )
    out = runner.invoke(cli, ["verify", str(ok), "--log-key", "not-a-key"])
    assert out.exit_code == 1 and "FAIL keys" in out.output
    out = runner.invoke(cli, ["verify", str(ok)])
    assert out.exit_code == 2 and "--log-key" in out.output
