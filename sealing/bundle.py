"""Per-pile bundles: one JSON file that verifies offline, and its verifier.

A bundle (``"format": "pilewatch-bundle/v1"``) holds the record (``entry``, its canonical
JSON as a string), ``leaf_index``, ``leaf_hash`` (base64), the inclusion ``proof`` (list of
base64 hashes, leaf to root) and ``checkpoint``: the signed note, with witness
cosignatures, of the tree the proof is against. It also names the keys that signed, for
information only: :func:`verify_bundle` trusts only the keys its caller passes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from ledger.checkpoint import Checkpoint, CheckpointError, parse_checkpoint
from ledger.cosignature import CosignatureVerifier, verify_cosignatures
from ledger.hashing import leaf_hash
from ledger.keys import KeyStringError, b64decode_strict, b64encode
from ledger.note import Ed25519Verifier, NoteError, format_note, open_note, parse_note
from ledger.verify import ProofError, RootMismatch, verify_inclusion
from sealing import store
from sealing.findings import Finding, VerificationFailed
from sealing.record import RecordError, parse_entry
from sealing.store import Conn, StoredCheckpoint, StoredLeaf

BUNDLE_FORMAT: Final = "pilewatch-bundle/v1"


def cosigned_note(conn: Conn, cp: StoredCheckpoint) -> str:
    """The checkpoint note with every stored cosignature line appended."""
    parsed = parse_note(cp.note)
    extra = [parse_note("x\n\n" + c.line).signatures[0] for c in store.cosignatures(conn, cp.size)]
    return format_note(parsed.text, [*parsed.signatures, *extra])


def valid_cosigners(note: str, witness_keys: Sequence[str]) -> int:
    """How many of the given witness keys validly cosigned ``note`` (0 if any fails)."""
    if not witness_keys:
        return 0
    try:
        result = verify_cosignatures(note, [CosignatureVerifier.from_key(k) for k in witness_keys])
    except (NoteError, CheckpointError, KeyStringError, ValueError):
        return 0
    return len({(c.name, c.key_id) for c in result.cosignatures})


def checkpoint_for(
    conn: Conn, index: int, witness_keys: Sequence[str], quorum: int
) -> tuple[StoredCheckpoint, str] | None:
    """The newest checkpoint covering leaf ``index`` with a witness quorum (if any has one),
    else the newest covering it; returned with its cosigned note."""
    fallback: tuple[StoredCheckpoint, str] | None = None
    for cp in reversed(store.all_checkpoints(conn)):
        if cp.size <= index:
            break
        note = cosigned_note(conn, cp)
        if quorum <= 0 or valid_cosigners(note, witness_keys) >= quorum:
            return cp, note
        if fallback is None:
            fallback = (cp, note)
    return fallback


def make_bundle(
    conn: Conn,
    leaf: StoredLeaf,
    *,
    log_key: str | None,
    witness_keys: Sequence[str] = (),
    quorum: int = 0,
    verify_url: str | None = None,
) -> dict[str, Any] | None:
    """The bundle of a stored leaf; None while no checkpoint covers it yet."""
    found = checkpoint_for(conn, leaf.index, witness_keys, quorum)
    if found is None:
        return None
    cp, note = found
    proof = store.inclusion_proof_db(conn, leaf.index, cp.size)
    bundle: dict[str, Any] = {
        "format": BUNDLE_FORMAT,
        "site": leaf.site,
        "pile": leaf.pile,
        "leaf_index": leaf.index,
        "entry": leaf.entry.decode("utf-8"),
        "leaf_hash": b64encode(leaf_hash(leaf.entry)),
        "proof": [b64encode(p) for p in proof],
        "tree_size": cp.size,
        "checkpoint": note,
        "keys": {"log": log_key, "witnesses": list(witness_keys), "quorum": quorum},
    }
    if verify_url:
        bundle["verify_url"] = verify_url
    return bundle


@dataclass(frozen=True)
class BundleResult:
    site: str
    pile: str
    leaf_index: int
    tree_size: int
    root: bytes
    cosigners: int
    record: dict[str, Any]


def _fail(check: str, message: str, **values: str | None) -> VerificationFailed:
    return VerificationFailed(Finding(check, "bundle", message, **values))


def _field(bundle: Mapping[str, Any], name: str, kind: type) -> Any:
    value = bundle.get(name)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise _fail("format", f"field {name!r} missing or not a {kind.__name__}")
    return value


def verify_bundle(
    bundle: object,
    log_key: str,
    witness_keys: Sequence[str] = (),
    quorum: int = 0,
) -> BundleResult:
    """Check a bundle offline; raises :class:`VerificationFailed` naming the failed check.

    Checks, in order: ``format``, ``keys`` (the given keys parse), ``log-signature``,
    ``checkpoint`` (origin is the log key's name), ``witness-signature`` and
    ``witness-quorum``, ``leaf-hash`` (SHA-256(0x00 || entry) equals the bundle's),
    ``entry`` (canonical record naming the bundle's site and pile), ``inclusion``.
    """
    if not isinstance(bundle, Mapping):
        raise _fail("format", "a bundle is a JSON object")
    if bundle.get("format") != BUNDLE_FORMAT:
        raise _fail("format", f"format is {bundle.get('format')!r}, expected {BUNDLE_FORMAT!r}")
    entry = _field(bundle, "entry", str)
    index = _field(bundle, "leaf_index", int)
    note = _field(bundle, "checkpoint", str)
    proof_b64 = _field(bundle, "proof", list)
    try:
        log_verifier = Ed25519Verifier.from_key(log_key)
        witnesses = [CosignatureVerifier.from_key(k) for k in witness_keys]
    except (KeyStringError, ValueError) as exc:
        raise _fail("keys", str(exc)) from None
    try:
        opened = open_note(note, [log_verifier])
    except NoteError as exc:
        raise _fail("log-signature", f"checkpoint not signed by {log_key}: {exc}") from None
    try:
        cp: Checkpoint = parse_checkpoint(opened.text)
    except CheckpointError as exc:
        raise _fail("checkpoint", str(exc)) from None
    if cp.origin != log_verifier.name:
        raise _fail("checkpoint", f"origin {cp.origin!r} is not the log {log_verifier.name!r}")
    cosigners = 0
    if witnesses:
        try:
            cosigned = verify_cosignatures(note, witnesses)
        except NoteError as exc:
            raise _fail("witness-signature", str(exc)) from None
        cosigners = len({(c.name, c.key_id) for c in cosigned.cosignatures})
    if cosigners < quorum:
        raise _fail(
            "witness-quorum",
            f"{cosigners} valid cosignature(s) from the given witness keys, quorum {quorum}",
            expected=str(quorum),
            calculated=str(cosigners),
        )
    calculated = leaf_hash(entry.encode("utf-8"))
    claimed = bundle.get("leaf_hash")
    if claimed is not None:
        try:
            claimed_bytes = b64decode_strict(str(claimed))
        except ValueError:
            raise _fail("format", "leaf_hash is not base64") from None
        if claimed_bytes != calculated:
            raise _fail(
                "leaf-hash",
                "the entry does not hash to the bundle's leaf_hash",
                expected=claimed_bytes.hex(),
                calculated=calculated.hex(),
            )
    try:
        record = parse_entry(entry)
    except RecordError as exc:
        raise _fail("entry", str(exc)) from None
    for name in ("site", "pile"):
        if name in bundle and record.get(name) != bundle[name]:
            raise _fail("entry", f"record {name} {record.get(name)!r} != bundle {bundle[name]!r}")
    try:
        proof = [b64decode_strict(str(p)) for p in proof_b64]
    except ValueError:
        raise _fail("format", "proof element is not base64") from None
    try:
        verify_inclusion(calculated, index, cp.size, proof, cp.root)
    except RootMismatch as exc:
        raise _fail(
            "inclusion",
            f"leaf {index} is not in checkpoint size {cp.size}",
            expected=exc.expected.hex(),
            calculated=exc.calculated.hex(),
        ) from None
    except ProofError as exc:
        raise _fail("inclusion", f"leaf {index}, checkpoint size {cp.size}: {exc}") from None
    return BundleResult(
        str(record.get("site")),
        str(record.get("pile")),
        index,
        cp.size,
        cp.root,
        cosigners,
        record,
    )
