"""``pilewatch audit``: rebuild the whole tree from the database and check everything.

Findings (each names its leaf or checkpoint):

* ``leaf-missing`` — an index with no leaf (indexes must be 0..n-1);
* ``leaf-hash`` — the stored leaf hash is not SHA-256(0x00 || entry);
* ``leaf-entry`` — the entry is not a canonical record;
* ``leaf-columns`` — site, pile, revision, kind or supersedes disagree with the entry;
* ``node-hash`` / ``node-count`` — stored node hashes differ from the rebuilt tree;
* ``checkpoint-signature`` — a stored checkpoint does not verify with the log key;
* ``checkpoint-columns`` — its columns disagree with its signed body;
* ``checkpoint-size`` — it covers leaves the database does not hold;
* ``checkpoint-root`` — its signed root differs from the root rebuilt from the leaves;
* ``cosignature`` — a stored cosignature does not verify with the given witness key;
* ``witness-quorum`` — the latest checkpoint lacks the required cosignatures.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from ledger.checkpoint import CheckpointError, parse_checkpoint
from ledger.cosignature import CosignatureVerifier
from ledger.hashing import leaf_hash
from ledger.note import Ed25519Verifier, NoteError, open_note, parse_note
from ledger.tree import MemoryNodeStore
from sealing import store
from sealing.findings import Finding
from sealing.record import RecordError, parse_entry
from sealing.store import Conn, StoredLeaf


@dataclass
class AuditReport:
    leaves: int = 0
    checkpoints: int = 0
    cosignatures: int = 0
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings


def _check_leaf(leaf: StoredLeaf, calculated: bytes, report: AuditReport) -> None:
    subject = f"leaf {leaf.index}"
    if leaf.leaf_hash != calculated:
        report.findings.append(
            Finding(
                "leaf-hash",
                subject,
                "stored leaf hash is not the hash of the stored entry",
                leaf.leaf_hash.hex(),
                calculated.hex(),
            )
        )
    try:
        record = parse_entry(leaf.entry)
    except RecordError as exc:
        report.findings.append(Finding("leaf-entry", subject, str(exc)))
        return
    sup = record.get("supersedes")
    expected = {
        "site": leaf.site,
        "pile": leaf.pile,
        "revision": leaf.revision,
        "kind": leaf.kind,
        "supersedes": leaf.supersedes,
    }
    got = {
        "site": record.get("site"),
        "pile": record.get("pile"),
        "revision": record.get("revision"),
        "kind": record.get("kind"),
        "supersedes": sup.get("leaf_index") if isinstance(sup, dict) else None,
    }
    for name, value in expected.items():
        if got[name] != value:
            report.findings.append(
                Finding(
                    "leaf-columns",
                    subject,
                    f"column {name} disagrees with the entry",
                    repr(got[name]),
                    repr(value),
                )
            )


def audit(
    conn: Conn,
    log_key: str,
    witness_keys: Sequence[str] = (),
    quorum: int = 0,
) -> AuditReport:
    report = AuditReport()
    verifier = Ed25519Verifier.from_key(log_key)
    witnesses = {k: CosignatureVerifier.from_key(k) for k in witness_keys}
    tree = MemoryNodeStore()
    expected_index = 0
    for leaf in store.iter_leaves(conn):
        while expected_index < leaf.index:
            report.findings.append(
                Finding("leaf-missing", f"leaf {expected_index}", "no leaf at this index")
            )
            expected_index += 1
        calculated = leaf_hash(leaf.entry)
        _check_leaf(leaf, calculated, report)
        tree.append(calculated)
        expected_index = leaf.index + 1
        report.leaves += 1
    size = len(tree)

    # Stored nodes against the rebuilt tree.
    stored_nodes = 0
    with conn.cursor() as cur:
        for row in cur.stream("SELECT level, idx, hash FROM ledger_nodes ORDER BY level, idx"):
            stored_nodes += 1
            level, idx, h = int(row["level"]), int(row["idx"]), bytes(row["hash"])
            begin, end = idx << level, (idx + 1) << level
            if end > size:
                report.findings.append(
                    Finding("node-hash", f"node {level}/{idx}", f"beyond the {size} leaves")
                )
                continue
            rebuilt = tree.subtree_root(begin, end)
            if rebuilt != h:
                report.findings.append(
                    Finding(
                        "node-hash",
                        f"node {level}/{idx} (leaves {begin}..{end - 1})",
                        "stored node hash differs from the tree rebuilt from the entries",
                        h.hex(),
                        rebuilt.hex(),
                    )
                )
    expected_nodes = sum(size >> level for level in range(max(size.bit_length(), 1)))
    if stored_nodes != expected_nodes:
        report.findings.append(
            Finding(
                "node-count",
                "ledger_nodes",
                "wrong number of node hashes",
                str(expected_nodes),
                str(stored_nodes),
            )
        )

    checkpoints = store.all_checkpoints(conn)
    texts: dict[int, str] = {}
    for cp in checkpoints:
        report.checkpoints += 1
        subject = f"checkpoint {cp.size}"
        try:
            opened = open_note(cp.note, [verifier])
            body = parse_checkpoint(opened.text)
        except (NoteError, CheckpointError) as exc:
            report.findings.append(
                Finding("checkpoint-signature", subject, f"does not verify with {log_key}: {exc}")
            )
            continue
        texts[cp.size] = opened.text
        if body.size != cp.size or body.root != cp.root or body.origin != verifier.name:
            report.findings.append(
                Finding(
                    "checkpoint-columns",
                    subject,
                    "columns disagree with the signed body",
                    f"size {body.size} root {body.root.hex()}",
                    f"size {cp.size} root {cp.root.hex()}",
                )
            )
        if body.size > size:
            report.findings.append(
                Finding(
                    "checkpoint-size",
                    subject,
                    "covers leaves the database does not hold",
                    str(body.size),
                    str(size),
                )
            )
            continue
        calculated = tree.root(body.size)
        if calculated != body.root:
            report.findings.append(
                Finding(
                    "checkpoint-root",
                    subject,
                    "signed root differs from the root rebuilt from the stored leaves",
                    body.root.hex(),
                    calculated.hex(),
                )
            )

    valid: dict[int, int] = {}
    for c in store.cosignatures(conn):
        report.cosignatures += 1
        w = witnesses.get(c.witness_vkey)
        text = texts.get(c.size)
        if w is None or text is None:
            continue
        try:
            sig = parse_note("x\n\n" + c.line).signatures[0]
            ok = (sig.name, sig.key_id) == (w.name, w.key_id) and w.verify(
                text.encode("utf-8"), sig.signature
            )
        except NoteError:
            ok = False
        if ok:
            valid[c.size] = valid.get(c.size, 0) + 1
        else:
            report.findings.append(
                Finding("cosignature", f"checkpoint {c.size}", f"cosignature by {w.name} is bad")
            )
    if quorum > 0 and checkpoints:
        latest = checkpoints[-1].size
        if valid.get(latest, 0) < quorum:
            report.findings.append(
                Finding(
                    "witness-quorum",
                    f"checkpoint {latest}",
                    "not enough witness cosignatures",
                    str(quorum),
                    str(valid.get(latest, 0)),
                )
            )
    return report
