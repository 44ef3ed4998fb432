"""Offering checkpoints to witnesses (C2SP tlog-witness ``POST /add-checkpoint``).

Each round the latest checkpoint is offered to every configured witness that has not
cosigned it, with a consistency proof from the size that witness last cosigned. A 409 reply
carries the witness's size (``text/x.tlog.size``); the offer is retried once from there.
A cosignature is stored only if it verifies with the key configured for that witness.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import httpx

from ledger.cosignature import verify_cosignatures
from ledger.keys import b64encode
from ledger.note import NoteError, format_note, parse_note
from sealing import store
from sealing.store import Conn, StoredCheckpoint, StoredCosignature
from sealing.witnesses import WitnessConfig

log = logging.getLogger(__name__)


@dataclass
class OfferOutcome:
    witness: str
    cosigned: bool
    error: str | None = None


@dataclass
class WitnessOfferer:
    witnesses: list[WitnessConfig]
    client: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=10.0))
    known: dict[str, int] = field(default_factory=dict)
    last_errors: dict[str, str] = field(default_factory=dict)

    def offer_latest(self, conn: Conn) -> list[OfferOutcome]:
        latest = store.latest_checkpoint(conn)
        if latest is None:
            return []
        have = {c.witness_vkey for c in store.cosignatures(conn, latest.size)}
        out = []
        for w in self.witnesses:
            if w.vkey in have:
                continue
            outcome = self._offer(conn, w, latest)
            if outcome.error:
                self.last_errors[w.url] = outcome.error
                log.warning("witness %s: %s", w.url, outcome.error)
            out.append(outcome)
        return out

    def _body(self, conn: Conn, old: int, cp: StoredCheckpoint) -> str:
        proof = store.consistency_proof_db(conn, old, cp.size) if 0 < old < cp.size else []
        return f"old {old}\n" + "".join(b64encode(p) + "\n" for p in proof) + "\n" + cp.note

    def _offer(self, conn: Conn, w: WitnessConfig, cp: StoredCheckpoint) -> OfferOutcome:
        old = self.known.get(w.vkey)
        if old is None:
            old = store.witnessed_size(conn, w.vkey)
        for _attempt in range(2):
            if old > cp.size:
                return OfferOutcome(w.url, False, f"witness is at size {old} > {cp.size}")
            try:
                resp = self.client.post(
                    f"{w.url}/add-checkpoint",
                    content=self._body(conn, old, cp).encode("utf-8"),
                    headers={"Content-Type": "text/plain; charset=utf-8"},
                )
            except httpx.HTTPError as exc:
                return OfferOutcome(w.url, False, f"unreachable: {exc}")
            if resp.status_code == 409 and "x.tlog.size" in resp.headers.get("content-type", ""):
                try:
                    old = int(resp.text.strip())
                except ValueError:
                    return OfferOutcome(w.url, False, f"409 with a bad size {resp.text!r}")
                self.known[w.vkey] = old
                continue
            if resp.status_code != 200:
                return OfferOutcome(w.url, False, f"HTTP {resp.status_code}: {resp.text.strip()}")
            return self._store(conn, w, cp, resp.text)
        return OfferOutcome(w.url, False, "witness size kept changing")

    def _store(self, conn: Conn, w: WitnessConfig, cp: StoredCheckpoint, body: str) -> OfferOutcome:
        try:
            parsed = parse_note(cp.note)
            cosigned = format_note(
                parsed.text, [*parsed.signatures, *parse_note("x\n\n" + body).signatures]
            )
            result = verify_cosignatures(cosigned, [w.verifier()])
        except (NoteError, ValueError) as exc:
            return OfferOutcome(w.url, False, f"cosignature rejected: {exc}")
        if not result.cosignatures:
            return OfferOutcome(w.url, False, "no cosignature from the configured witness key")
        c = result.cosignatures[0]
        store.insert_cosignature(
            conn, StoredCosignature(cp.size, w.vkey, c.name, c.line(), c.timestamp)
        )
        self.known[w.vkey] = cp.size
        self.last_errors.pop(w.url, None)
        return OfferOutcome(w.url, True)
