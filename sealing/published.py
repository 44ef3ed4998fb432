"""What the API publishes about the ledger: keys, latest checkpoint, records by hash.

The log's verifier key comes from ``PILEWATCH_LEDGER_VKEY`` or the key file in the state
directory, never from the database (a database that was tampered with would otherwise vouch
for itself).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from ledger.hashing import leaf_hash
from ledger.keys import b64encode
from sealing import store
from sealing.bundle import checkpoint_for, cosigned_note, make_bundle, verify_bundle
from sealing.findings import VerificationFailed
from sealing.signer import vkey_from_key_file
from sealing.store import Conn, StoredLeaf

if TYPE_CHECKING:
    from runtime.settings import Settings


@dataclass(frozen=True)
class LedgerKeys:
    log: str | None
    witnesses: list[str]
    quorum: int


def ledger_keys(state_dir: Path, settings: Settings) -> LedgerKeys:
    log = settings.ledger_vkey or vkey_from_key_file(state_dir)
    return LedgerKeys(
        log, [w.vkey for w in settings.ledger_witnesses], settings.ledger_witness_quorum
    )


def latest_cosigned_note(conn: Conn) -> str | None:
    cp = store.latest_checkpoint(conn)
    return cosigned_note(conn, cp) if cp is not None else None


def verify_url(base: str, h: bytes) -> str:
    return f"{base.rstrip('/')}/verify/{h.hex()}"


def pile_answer(conn: Conn, leaf: StoredLeaf) -> dict[str, Any] | None:
    """The contract's ``/ledger/piles/{pile}`` answer (None until a checkpoint covers it)."""
    cp = store.latest_checkpoint(conn)
    if cp is None or cp.size <= leaf.index:
        return None
    proof = store.inclusion_proof_db(conn, leaf.index, cp.size)
    return {
        "pile": leaf.pile,
        "site": leaf.site,
        "leaf_index": leaf.index,
        "kind": leaf.kind,
        "revision": leaf.revision,
        "entry": leaf.entry.decode("utf-8"),
        "leaf_hash": b64encode(leaf_hash(leaf.entry)),
        "tree_size": cp.size,
        "proof": [b64encode(p) for p in proof],
        "checkpoint": cosigned_note(conn, cp),
    }


@dataclass(frozen=True)
class PublicVerification:
    verified: bool
    check: str | None
    message: str
    tree_size: int | None
    cosigners: int
    bundle: dict[str, Any] | None


def verify_published(
    conn: Conn, leaf: StoredLeaf, url_hash: bytes, keys: LedgerKeys, public_base: str
) -> PublicVerification:
    """Verify a stored record against the latest cosigned checkpoint with the served keys,
    and that its entry hashes to the hash in the URL."""
    calculated = leaf_hash(leaf.entry)
    if calculated != url_hash:
        return PublicVerification(
            False,
            "leaf-hash",
            f"the stored record hashes to {calculated.hex()}, not {url_hash.hex()}",
            None,
            0,
            None,
        )
    if keys.log is None:
        return PublicVerification(False, "keys", "the log key is not configured", None, 0, None)
    bundle = make_bundle(
        conn,
        leaf,
        log_key=keys.log,
        witness_keys=keys.witnesses,
        quorum=keys.quorum,
        verify_url=verify_url(public_base, url_hash),
    )
    if bundle is None:
        return PublicVerification(
            False, "pending", "sealed, waiting for the next checkpoint", None, 0, None
        )
    try:
        result = verify_bundle(bundle, keys.log, keys.witnesses, keys.quorum)
    except VerificationFailed as exc:
        return PublicVerification(
            False, exc.finding.check, str(exc.finding), bundle.get("tree_size"), 0, bundle
        )
    return PublicVerification(True, None, "verified", result.tree_size, result.cosigners, bundle)


def pile_path(pile: str) -> str:
    return quote(pile, safe="")


__all__ = ["checkpoint_for", "ledger_keys", "pile_answer", "verify_published"]
