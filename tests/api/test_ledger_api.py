"""The ledger API (contract §3), proofs, bundles, history, QR code, the public page, and
`pilewatch monitor` following it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
import segno
from click.testing import CliRunner
from fastapi.testclient import TestClient

from api.app import create_app
from api.routes.ledger import qr_svg
from cli.main import main as cli
from ledger.checkpoint import parse_checkpoint
from ledger.hashing import leaf_hash
from ledger.keys import b64decode_strict
from ledger.note import open_note
from ledger.verify import verify_inclusion
from runtime.settings import get_settings
from sealing.bundle import verify_bundle
from sealing.monitor import monitor_once
from storage.db import connect
from tests.api.conftest import bearer
from tests.sealing.helpers import add_pile, make_sealer


@pytest.fixture
def ledger_client(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[TestClient]:
    monkeypatch.setenv("PILEWATCH_LEDGER_PUBLIC_URL", "https://pw.example.cn")
    settings = get_settings(database_url=database_url, mqtt_url=None, state_dir=tmp_path)
    with TestClient(create_app(settings)) as client:
        yield client


def test_sealed_pile_endpoints(
    database_url: str, tmp_path: Path, ledger_client: TestClient, tokens: dict[str, str]
) -> None:
    add_pile(database_url, "A/1 桩")
    add_pile(database_url, "P-2")
    sealer = make_sealer(database_url, tmp_path)
    with connect(database_url) as conn:
        sealer.run_once(conn)
    h = bearer(tokens["integrity"])
    c = ledger_client
    assert c.get("/api/v1/ledger/checkpoint").status_code == 401
    keys = c.get("/api/v1/ledger/keys", headers=h).json()
    assert keys["log"] == sealer.vkey
    note = c.get("/api/v1/ledger/checkpoint", headers=h)
    assert note.headers["content-type"].startswith("text/plain")
    cp = parse_checkpoint(open_note(note.text, [sealer.key.verifier]).text)
    assert cp.size == 2

    pile = quote("A/1 桩", safe="")
    got = c.get(f"/api/v1/ledger/piles/{pile}", headers=h)
    assert got.status_code == 200, got.text
    body = got.json()
    assert body["pile"] == "A/1 桩" and body["site"] == "S1" and body["leaf_index"] == 0
    lh = leaf_hash(body["entry"].encode())
    assert b64decode_strict(body["leaf_hash"]) == lh
    verify_inclusion(lh, 0, cp.size, [b64decode_strict(p) for p in body["proof"]], cp.root)

    entry = c.get("/api/v1/ledger/entries/1", headers=h).json()
    assert entry["pile"] == "P-2"
    assert c.get("/api/v1/ledger/entries/9", headers=h).status_code == 404
    inc = c.get("/api/v1/ledger/proofs/inclusion?index=1&size=2", headers=h).json()
    assert len(inc["proof"]) == 1
    assert c.get("/api/v1/ledger/proofs/inclusion?index=2&size=2", headers=h).status_code == 400
    assert c.get("/api/v1/ledger/proofs/consistency?old=1&new=5", headers=h).status_code == 400
    assert c.get("/api/v1/ledger/piles/none", headers=h).status_code == 404

    bundle = c.get(f"/api/v1/ledger/piles/{pile}/bundle", headers=h)
    assert bundle.status_code == 200
    path = tmp_path / "bundle.json"
    path.write_bytes(bundle.content)
    keys_file = tmp_path / "keys.json"
    keys_file.write_text(json.dumps(keys))
    out = CliRunner().invoke(cli, ["verify", str(path), "--keys", str(keys_file)])
    assert out.exit_code == 0, out.output
    assert verify_bundle(bundle.json(), sealer.vkey).pile == "A/1 桩"

    # Re-evaluation → correction; history lists both, the pile answer is the newest.
    add_pile(database_url, "A/1 桩", revision=2)
    with connect(database_url) as conn:
        sealer.run_once(conn)
    hist = c.get(f"/api/v1/ledger/piles/{pile}/history", headers=h).json()
    assert [i["kind"] for i in hist["items"]] == ["seal", "correction"]
    assert hist["items"][1]["supersedes"] == 0
    assert hist["items"][1]["correction"] == {"by": "pilewatch-sealer", "reason": "re-evaluated"}
    assert c.get(f"/api/v1/ledger/piles/{pile}", headers=h).json()["leaf_index"] == 2

    # QR: an SVG carrying the public URL with the leaf hash.
    newest = c.get(f"/api/v1/ledger/piles/{pile}", headers=h).json()
    newest_hash = b64decode_strict(newest["leaf_hash"]).hex()
    qr = c.get(f"/api/v1/ledger/piles/{pile}/qr.svg", headers=h)
    assert qr.status_code == 200 and qr.headers["content-type"] == "image/svg+xml"
    url = f"https://pw.example.cn/verify/{newest_hash}"
    assert qr.headers["x-verify-url"] == url
    assert qr.content.startswith(b"<?xml") and b"<svg" in qr.content
    assert qr.content == qr_svg(url)
    assert segno.make(url, error="m").matrix  # the same data encodes

    # Public: no token, JSON and the plain-language page.
    public = c.get(f"/api/v1/public/records/{newest_hash}")
    assert public.status_code == 200
    data = public.json()
    assert data["verified"] is True and data["pile"] == "A/1 桩"
    assert data["record"]["kind"] == "correction"
    page = c.get(f"/verify/{newest_hash}")
    assert page.status_code == 200 and "已验证 · verified" in page.text
    assert "A/1 桩" in page.text
    old_hash = b64decode_strict(hist["items"][0]["leaf_hash"]).hex()
    old = c.get(f"/api/v1/public/records/{old_hash}").json()
    assert old["verified"] is True and old["superseded_by"] == 2
    assert c.get(f"/verify/{'0' * 64}").status_code == 404
    assert c.get("/api/v1/public/records/zz").status_code == 400


def test_public_page_detects_a_changed_record(
    database_url: str, tmp_path: Path, ledger_client: TestClient
) -> None:
    add_pile(database_url, "P-1")
    sealer = make_sealer(database_url, tmp_path)
    with connect(database_url) as conn:
        sealer.run_once(conn)
        row = conn.execute("SELECT leaf_hash FROM ledger_leaves").fetchone()
        assert row is not None
        h = bytes(row["leaf_hash"]).hex()
    with connect(database_url) as conn, conn.transaction():
        conn.execute("SET LOCAL session_replication_role = replica")
        conn.execute(
            "UPDATE ledger_leaves SET entry = convert_to(replace(convert_from(entry, 'UTF8'),"
            ' \'"verdict":"pass"\', \'"verdict":"fail"\'), \'UTF8\')'
        )
    data = ledger_client.get(f"/api/v1/public/records/{h}").json()
    assert data["verified"] is False and data["check"] == "leaf-hash"
    page = ledger_client.get(f"/verify/{h}")
    assert "未通过验证 · NOT verified" in page.text


def test_monitor_follows_and_catches_a_rewritten_log(
    database_url: str, tmp_path: Path, ledger_client: TestClient, tokens: dict[str, str]
) -> None:
    for i in range(3):
        add_pile(database_url, f"P-{i}")
    sealer = make_sealer(database_url, tmp_path / "state")
    with connect(database_url) as conn:
        sealer.run_once(conn)
    ledger_client.headers.update(bearer(tokens["integrity"]))
    state = tmp_path / "monitor.json"
    first = monitor_once(ledger_client, "http://testserver", sealer.vkey, state)
    assert first.findings == [] and first.size == 3
    add_pile(database_url, "P-3")
    with connect(database_url) as conn:
        sealer.run_once(conn)
    second = monitor_once(ledger_client, "http://testserver", sealer.vkey, state)
    assert second.findings == [] and (second.previous, second.size) == (3, 4)
    # The operator (who holds the key) rewrites history: truncates, re-appends altered
    # records, and signs the new tree with the log key. The monitor demands a proof.
    from ledger.checkpoint import Checkpoint
    from ledger.note import sign_note
    from sealing import store

    with connect(database_url) as conn:
        leaves = list(store.iter_leaves(conn))
    with connect(database_url) as conn, conn.transaction():
        conn.execute("SET LOCAL session_replication_role = replica")
        conn.execute(
            "TRUNCATE ledger_leaves, ledger_nodes, ledger_cosignatures, ledger_checkpoints"
        )
        store.append_leaves(
            conn,
            [
                store.NewLeaf(
                    leaf.entry.replace(b'"pass"', b'"fail"'),
                    leaf.kind,
                    leaf.site,
                    leaf.pile,
                    leaf.revision,
                    leaf.supersedes,
                )
                for leaf in [*leaves, leaves[0]]
            ],
        )
        root = store.root_at(conn, 5)
        note = sign_note(Checkpoint(sealer.key.origin, 5, root).body(), [sealer.key.signer])
        store.insert_checkpoint(conn, 5, root, note)
    third = monitor_once(ledger_client, "http://testserver", sealer.vkey, state)
    assert [(f.check, f.subject) for f in third.findings] == [("consistency", "checkpoint 4 -> 5")]
    assert third.findings[0].expected != third.findings[0].calculated
