"""One transaction per batch: samples through COPY with de-duplication, events, status,
rejections and counters. The caller acknowledges the batch's messages only after `write`
returns."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import psycopg

from storage.partitions import PartitionKeeper
from telemetry.payload import SAMPLE_OPTIONAL, EventMessage, StatusMessage, TelemetryMessage

# Sample channels are the contract's (telemetry.payload), in that order.
STAGING_COLUMNS = (
    "site_id",
    "rig_id",
    "boot",
    "seq",
    "t",
    "pile_id",
    "depth_m",
    "flow_l_min",
    *SAMPLE_OPTIONAL,
    "extra",
)


@dataclass(frozen=True, slots=True)
class Rejection:
    topic: str
    payload: bytes
    reason: str
    sample_index: int | None = None
    # "message": the whole message refused; "sample": one sample of a batch; "conflict": a
    # sample whose identity is stored already with another time.
    kind: str = "message"

    def fingerprint(self) -> bytes:
        digest = hashlib.sha256(self.topic.encode())
        digest.update(b"\x00")
        digest.update(self.payload)
        digest.update(b"\x00" + str(self.sample_index).encode())
        return digest.digest()


@dataclass
class Batch:
    telemetry: list[TelemetryMessage] = field(default_factory=list)
    events: list[EventMessage] = field(default_factory=list)
    statuses: list[StatusMessage] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    messages: int = 0

    def sample_times(self) -> set[datetime]:
        return {s.t for m in self.telemetry for s in m.samples}


@dataclass
class WriteResult:
    samples_stored: int = 0
    samples_duplicate: int = 0
    samples_conflicting: int = 0
    events_stored: int = 0
    statuses_stored: int = 0
    rejections_stored: int = 0
    # (site, pile) pairs that received new samples: analytics re-evaluates these.
    touched_piles: set[tuple[str, str]] = field(default_factory=set)


class IngestWriter:
    def __init__(self, ingester: str) -> None:
        self.ingester = ingester
        self.partitions = PartitionKeeper()

    def write(
        self, conn: psycopg.Connection[dict[str, Any]], batch: Batch, now: datetime
    ) -> WriteResult:
        result = WriteResult()
        times = batch.sample_times()
        if times:
            self.partitions.ensure(conn, times, now)
        with conn.transaction():
            self._upsert_sites_and_rigs(conn, batch, now)
            if times:
                self._write_samples(conn, batch, result)
            self._write_events(conn, batch, result)
            self._write_statuses(conn, batch, result)
            self._write_rejections(conn, batch, result)
            self._count(conn, batch, result, now)
        return result

    def _upsert_sites_and_rigs(
        self, conn: psycopg.Connection[dict[str, Any]], batch: Batch, now: datetime
    ) -> None:
        rigs: dict[str, str] = {}
        for telemetry_message in batch.telemetry:
            rigs[telemetry_message.rig] = telemetry_message.site
        for event in batch.events:
            rigs[event.rig] = event.site
        for status in batch.statuses:
            rigs[status.rig] = status.site
        if not rigs:
            return
        sites = sorted(set(rigs.values()))
        with conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO sites (site_id) VALUES (%s) ON CONFLICT DO NOTHING",
                [(s,) for s in sites],
            )
            cur.executemany(
                "INSERT INTO rigs (rig_id, site_id, first_seen, last_seen) VALUES (%s, %s, %s, %s)"
                " ON CONFLICT (rig_id) DO UPDATE SET site_id = excluded.site_id,"
                " last_seen = greatest(rigs.last_seen, excluded.last_seen)",
                [(rig, site, now, now) for rig, site in sorted(rigs.items())],
            )

    def _write_samples(
        self, conn: psycopg.Connection[dict[str, Any]], batch: Batch, result: WriteResult
    ) -> None:
        conn.execute(
            "CREATE TEMP TABLE IF NOT EXISTS staging_samples"
            " (LIKE telemetry INCLUDING DEFAULTS) ON COMMIT DELETE ROWS"
        )
        columns = ", ".join(STAGING_COLUMNS)
        with conn.cursor() as cur:
            with cur.copy(f"COPY staging_samples ({columns}) FROM STDIN") as copy:
                for m in batch.telemetry:
                    message_extra = m.extra
                    for s in m.samples:
                        extra: dict[str, Any] | None = s.extra
                        if message_extra:
                            extra = {**(extra or {}), "_message": message_extra}
                        copy.write_row(
                            (
                                m.site,
                                m.rig,
                                m.boot,
                                s.seq,
                                s.t,
                                m.pile,
                                s.depth_m,
                                s.flow_l_min,
                                *(getattr(s, name) for name in SAMPLE_OPTIONAL),
                                json.dumps(extra) if extra else None,
                            )
                        )
            # One row per identity; the key table decides which are new. A key already
            # stored with another time is a conflicting claim, not a duplicate.
            cur.execute(
                f"""
                WITH unique_rows AS (
                    SELECT DISTINCT ON (rig_id, boot, seq) *
                    FROM staging_samples ORDER BY rig_id, boot, seq, t
                ), new_keys AS (
                    INSERT INTO sample_keys (rig_id, boot, seq, t)
                    SELECT rig_id, boot, seq, t FROM unique_rows
                    ON CONFLICT DO NOTHING
                    RETURNING rig_id, boot, seq
                ), stored AS (
                    INSERT INTO telemetry ({columns})
                    SELECT {", ".join("u." + c for c in STAGING_COLUMNS)}
                    FROM unique_rows u JOIN new_keys k USING (rig_id, boot, seq)
                    RETURNING site_id, pile_id, depth_m
                )
                SELECT site_id, pile_id, count(*) AS n,
                       min(depth_m) AS min_depth, max(depth_m) AS max_depth
                FROM stored GROUP BY site_id, pile_id
                """
            )
            stored = 0
            notes: list[str] = []
            for row in cur.fetchall():
                stored += int(row["n"])
                if row["pile_id"] is not None:
                    result.touched_piles.add((str(row["site_id"]), str(row["pile_id"])))
                    notes.append(
                        f"{row['site_id']}\t{row['pile_id']}\t{row['n']}"
                        f"\t{row['min_depth']}\t{row['max_depth']}"
                    )
            if notes:
                # The live evaluator wakes on these at commit; the depth range tells it whether
                # the tool crossed a bin border. One statement for the whole batch.
                cur.execute(
                    "SELECT pg_notify('pilewatch_samples', note) FROM unnest(%s::text[]) AS note",
                    (notes,),
                )
            result.samples_stored = stored
            cur.execute(
                "SELECT s.rig_id, s.boot, s.seq, s.t, k.t AS stored_t, s.site_id"
                " FROM staging_samples s JOIN sample_keys k USING (rig_id, boot, seq)"
                " WHERE k.t <> s.t"
            )
            conflicts = cur.fetchall()
            total = sum(len(m.samples) for m in batch.telemetry)
            result.samples_conflicting = len(conflicts)
            result.samples_duplicate = total - stored - len(conflicts)
            for row in conflicts:
                raw = json.dumps(
                    {
                        "rig": row["rig_id"],
                        "boot": row["boot"],
                        "seq": row["seq"],
                        "t": row["t"].isoformat(),
                    }
                ).encode()
                batch.rejections.append(
                    Rejection(
                        topic=f"pilewatch/v1/{row['site_id']}/{row['rig_id']}/telemetry",
                        payload=raw,
                        reason=(
                            f"sample (rig {row['rig_id']}, boot {row['boot']}, seq {row['seq']})"
                            f" has t={row['t'].isoformat()} but the stored sample with this"
                            f" identity has t={row['stored_t'].isoformat()}"
                        ),
                        kind="conflict",
                    )
                )

    def _write_events(
        self, conn: psycopg.Connection[dict[str, Any]], batch: Batch, result: WriteResult
    ) -> None:
        if not batch.events:
            return
        with conn.cursor() as cur:
            for e in batch.events:
                cur.execute(
                    "INSERT INTO rig_events (rig_id, boot, seq, site_id, t, type, pile_id, payload)"
                    " VALUES (%s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
                    (e.rig, e.boot, e.seq, e.site, e.t, e.type, e.pile, json.dumps(e.payload)),
                )
                result.events_stored += cur.rowcount
                if e.pile is not None:
                    result.touched_piles.add((e.site, e.pile))
                    if cur.rowcount:
                        cur.execute(
                            "SELECT pg_notify('pilewatch_events', %s)",
                            (f"{e.site}\t{e.pile}\t{e.type}\t{e.rig}",),
                        )

    def _write_statuses(
        self, conn: psycopg.Connection[dict[str, Any]], batch: Batch, result: WriteResult
    ) -> None:
        with conn.cursor() as cur:
            for s in batch.statuses:
                cur.execute(
                    "INSERT INTO rig_status (rig_id, site_id, online, t, payload, received_at)"
                    " VALUES (%s, %s, %s, %s, %s, now())"
                    " ON CONFLICT (rig_id) DO UPDATE SET site_id = excluded.site_id,"
                    " online = excluded.online, t = excluded.t, payload = excluded.payload,"
                    " received_at = excluded.received_at",
                    (s.rig, s.site, s.online, s.t, json.dumps(s.payload)),
                )
                result.statuses_stored += 1

    def _write_rejections(
        self, conn: psycopg.Connection[dict[str, Any]], batch: Batch, result: WriteResult
    ) -> None:
        if not batch.rejections:
            return
        with conn.cursor() as cur:
            for r in batch.rejections:
                cur.execute(
                    "INSERT INTO rejected_messages (topic, payload, reason, sample_index,"
                    " fingerprint) VALUES (%s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
                    (r.topic, r.payload, r.reason, r.sample_index, r.fingerprint()),
                )
                result.rejections_stored += cur.rowcount

    def _count(
        self,
        conn: psycopg.Connection[dict[str, Any]],
        batch: Batch,
        result: WriteResult,
        now: datetime,
    ) -> None:
        counts = Counter(
            {
                "messages_received": batch.messages,
                "samples_stored": result.samples_stored,
                "samples_duplicate": result.samples_duplicate,
                "samples_conflicting": result.samples_conflicting,
                "samples_rejected": sum(1 for r in batch.rejections if r.kind == "sample"),
                "messages_rejected": sum(1 for r in batch.rejections if r.kind == "message"),
                "events_stored": result.events_stored,
                "statuses_stored": result.statuses_stored,
            }
        )
        rows = [(self.ingester, k, v, now) for k, v in counts.items() if v]
        if rows:
            with conn.cursor() as cur:
                cur.executemany(
                    "INSERT INTO ingest_counters (ingester, counter, value, updated_at)"
                    " VALUES (%s, %s, %s, %s) ON CONFLICT (ingester, counter) DO UPDATE"
                    " SET value = ingest_counters.value + excluded.value,"
                    " updated_at = excluded.updated_at",
                    rows,
                )
