"""``pilewatch monitor``: follow a log through its API, demanding consistency proofs.

The state file holds the last checkpoint this monitor accepted (origin, size, root). Each
new checkpoint must verify with the log key (``checkpoint-signature``), not be smaller
(``rollback``), not differ at the same size (``fork``) and come with a valid consistency
proof from the accepted one (``consistency``). Only then is the state moved forward.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from ledger.checkpoint import CheckpointError, parse_checkpoint
from ledger.keys import b64decode_strict, b64encode
from ledger.note import Ed25519Verifier, NoteError, open_note
from ledger.verify import ProofError, RootMismatch, verify_consistency
from sealing.bundle import valid_cosigners
from sealing.findings import Finding
from sealing.keyfile import read_json, write_json_atomic


class MonitorError(RuntimeError):
    """The log could not be read (network, HTTP status, malformed answer)."""


@dataclass
class MonitorResult:
    size: int = 0
    previous: int | None = None
    findings: list[Finding] = field(default_factory=list)


def _get(client: httpx.Client, url: str) -> httpx.Response:
    try:
        resp = client.get(url)
    except httpx.HTTPError as exc:
        raise MonitorError(f"GET {url}: {exc}") from None
    if resp.status_code != 200:
        raise MonitorError(f"GET {url}: HTTP {resp.status_code} {resp.text[:200]}")
    return resp


def monitor_once(
    client: httpx.Client,
    base_url: str,
    log_key: str,
    state_path: Path,
    witness_keys: Sequence[str] = (),
    quorum: int = 0,
) -> MonitorResult:
    base = base_url.rstrip("/") + "/api/v1/ledger"
    verifier = Ed25519Verifier.from_key(log_key)
    result = MonitorResult()
    note = _get(client, f"{base}/checkpoint").text
    try:
        cp = parse_checkpoint(open_note(note, [verifier]).text)
    except (NoteError, CheckpointError) as exc:
        result.findings.append(Finding("checkpoint-signature", "latest checkpoint", str(exc)))
        return result
    result.size = cp.size
    subject = f"checkpoint {cp.size}"
    if quorum and valid_cosigners(note, witness_keys) < quorum:
        result.findings.append(
            Finding(
                "witness-quorum",
                subject,
                "not enough witness cosignatures",
                str(quorum),
                str(valid_cosigners(note, witness_keys)),
            )
        )
    state = read_json(state_path)
    if state is not None:
        old_size, old_root = int(state["size"]), b64decode_strict(str(state["root"]))
        result.previous = old_size
        if cp.size < old_size:
            result.findings.append(
                Finding(
                    "rollback",
                    subject,
                    f"smaller than the accepted size {old_size}",
                    str(old_size),
                    str(cp.size),
                )
            )
            return result
        if cp.size == old_size:
            if cp.root != old_root:
                result.findings.append(
                    Finding(
                        "fork", subject, "same size, different root", old_root.hex(), cp.root.hex()
                    )
                )
            return result
        resp = _get(client, f"{base}/proofs/consistency?old={old_size}&new={cp.size}")
        try:
            proof = [b64decode_strict(p) for p in resp.json()["proof"]]
        except (ValueError, KeyError, TypeError) as exc:
            raise MonitorError(f"malformed consistency proof answer: {exc}") from None
        try:
            verify_consistency(old_size, cp.size, old_root, cp.root, proof)
        except RootMismatch as exc:
            result.findings.append(
                Finding(
                    "consistency",
                    f"checkpoint {old_size} -> {cp.size}",
                    f"{exc.which} mismatch",
                    exc.expected.hex(),
                    exc.calculated.hex(),
                )
            )
            return result
        except ProofError as exc:
            result.findings.append(
                Finding("consistency", f"checkpoint {old_size} -> {cp.size}", str(exc))
            )
            return result
    if not result.findings:
        write_json_atomic(
            state_path,
            {"origin": cp.origin, "size": cp.size, "root": b64encode(cp.root), "note": note},
        )
    return result


def state_summary(state_path: Path) -> str:
    data = read_json(state_path)
    return json.dumps(data) if data else "no state"
