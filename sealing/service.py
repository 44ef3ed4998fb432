"""The sealer: seals final piles, issues checkpoints, offers them to witnesses.

A pile is due when its status is ``complete`` or ``incomplete`` and its ``revision`` is
newer than the newest revision sealed for it. The first seal of a pile is a ``seal`` leaf;
a later one (the pile was re-evaluated) is a ``correction`` leaf naming the leaf it
supersedes, by ``pilewatch-sealer`` for the reason ``re-evaluated``. A pile that fails to
seal stays in ``ledger_seal_queue`` with its attempt count and last error and is retried
with exponential back-off; nothing is dropped silently.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg

from runtime.settings import Settings
from sealing import store
from sealing.record import RecordError, build_record, record_bytes
from sealing.signer import Checkpointer, LogKey, bind_database, load_log_key, signed_state_path
from sealing.store import Conn, NewLeaf, StoredCheckpoint
from sealing.witness_client import WitnessOfferer
from storage.db import connect

log = logging.getLogger(__name__)

SEALER_NAME = "pilewatch-sealer"

_DUE_PILES = """
SELECT p.* FROM piles p
LEFT JOIN LATERAL (
    SELECT max(l.revision) AS r FROM ledger_leaves l
    WHERE l.site_id = p.site_id AND l.pile_id = p.pile_id
) s ON true
LEFT JOIN ledger_seal_queue q
    ON q.site_id = p.site_id AND q.pile_id = p.pile_id AND q.revision = p.revision
WHERE p.status IN ('complete', 'incomplete')
  AND p.revision > coalesce(s.r, -1)
  AND (q.site_id IS NULL
       OR q.last_attempt_at < now() - make_interval(secs => least(power(2, q.attempts), %s)))
ORDER BY p.ended_at NULLS LAST, p.site_id, p.pile_id
LIMIT %s
"""


@dataclass(frozen=True)
class SealResult:
    index: int
    leaf_hash: bytes
    kind: str


@dataclass
class RoundResult:
    sealed: int = 0
    failed: int = 0
    checkpoint: StoredCheckpoint | None = None


def seal_pile(
    conn: Conn,
    site: str,
    pile: str,
    *,
    by: str = SEALER_NAME,
    reason: str = "re-evaluated",
    force: bool = False,
) -> SealResult | None:
    """Seal the pile's current state; a correction if it was sealed before.

    Returns None when its current revision is already sealed (unless ``force``, which a
    manual correction uses).
    """
    with conn.transaction():
        store.lock_log(conn)
        row = conn.execute(
            "SELECT * FROM piles WHERE site_id = %s AND pile_id = %s", (site, pile)
        ).fetchone()
        if row is None:
            raise RecordError(f"no pile {pile!r} at site {site!r}")
        if row["status"] not in ("complete", "incomplete"):
            raise RecordError(f"pile {pile!r} is {row['status']}, not final")
        previous = store.latest_pile_leaf(conn, site, pile)
        if previous is not None and previous.revision >= int(row["revision"]) and not force:
            return None
        supersedes = (previous.index, previous.leaf_hash) if previous is not None else None
        record = build_record(
            conn,
            row,
            sealed_at=datetime.now(UTC),
            supersedes=supersedes,
            corrected_by=by,
            reason=reason,
        )
        leaf = NewLeaf(
            record_bytes(record),
            str(record["kind"]),
            site,
            pile,
            int(row["revision"]),
            previous.index if previous is not None else None,
        )
        [(index, h)] = store.append_leaves(conn, [leaf])
        conn.execute(
            "DELETE FROM ledger_seal_queue WHERE site_id = %s AND pile_id = %s", (site, pile)
        )
    log.info(
        "sealed %s/%s revision %s as leaf %d (%s)", site, pile, row["revision"], index, leaf.kind
    )
    return SealResult(index, h, leaf.kind)


def record_failure(conn: Conn, site: str, pile: str, revision: int, error: str) -> None:
    conn.execute(
        "INSERT INTO ledger_seal_queue (site_id, pile_id, revision, attempts, last_error)"
        " VALUES (%s, %s, %s, 1, %s) ON CONFLICT (site_id, pile_id) DO UPDATE SET"
        " attempts = CASE WHEN ledger_seal_queue.revision = EXCLUDED.revision"
        " THEN ledger_seal_queue.attempts + 1 ELSE 1 END,"
        " revision = EXCLUDED.revision, last_error = EXCLUDED.last_error,"
        " last_attempt_at = now()",
        (site, pile, revision, error[:2000]),
    )


def failures(conn: Conn) -> list[dict[str, Any]]:
    return [
        dict(r)
        for r in conn.execute(
            "SELECT site_id, pile_id, revision, attempts, last_error, first_failed_at,"
            " last_attempt_at FROM ledger_seal_queue ORDER BY site_id, pile_id"
        ).fetchall()
    ]


class Sealer:
    def __init__(self, database_url: str, state_dir: Path, settings: Settings) -> None:
        self.database_url = database_url
        self.settings = settings
        self.key: LogKey
        self.key, self.created = load_log_key(state_dir, settings.ledger_origin)
        self.checkpointer = Checkpointer(self.key, signed_state_path(state_dir))
        self.offerer = WitnessOfferer(list(settings.ledger_witnesses))
        self._last_checkpoint_at = 0.0
        self._last_offer_at = 0.0
        with connect(database_url) as conn:
            bind_database(conn, self.key)

    @property
    def vkey(self) -> str:
        return self.key.vkey

    def seal_due(self, conn: Conn) -> tuple[int, int]:
        s = self.settings
        rows = conn.execute(
            _DUE_PILES, (s.ledger_max_attempts_backoff_s, s.ledger_batch_size)
        ).fetchall()
        sealed = failed = 0
        for row in rows:
            site, pile = str(row["site_id"]), str(row["pile_id"])
            try:
                if seal_pile(conn, site, pile) is not None:
                    sealed += 1
            except (RecordError, ValueError, psycopg.DataError) as exc:
                failed += 1
                log.warning("cannot seal %s/%s: %s", site, pile, exc)
                record_failure(conn, site, pile, int(row["revision"]), str(exc))
        return sealed, failed

    def run_once(self, conn: Conn) -> RoundResult:
        result = RoundResult()
        result.sealed, result.failed = self.seal_due(conn)
        now = time.monotonic()
        every = self.settings.ledger_checkpoint_interval_s
        if result.sealed or now - self._last_checkpoint_at >= every:
            result.checkpoint = self.checkpointer.issue(conn)
            self._last_checkpoint_at = now
        if self.offerer.witnesses and (
            result.checkpoint is not None or now - self._last_offer_at >= every
        ):
            self.offerer.offer_latest(conn)
            self._last_offer_at = now
        return result

    def run(self, stop: threading.Event) -> None:
        log.info("sealer started; log key %s", self.vkey)
        with connect(self.database_url) as conn:
            while not stop.is_set():
                try:
                    self.run_once(conn)
                except psycopg.OperationalError as exc:
                    log.error("database error, retrying: %s", exc)
                    stop.wait(5.0)
                    return self.run(stop) if not stop.is_set() else None
                stop.wait(self.settings.ledger_poll_interval_s)
        return None
