"""Telemetry batches for the storage tests, written through the real batch writer."""

from __future__ import annotations

from datetime import datetime

import psycopg

from storage.db import connect
from storage.ingest_writer import Batch, IngestWriter, WriteResult
from telemetry.payload import Sample, TelemetryMessage


def write_samples(
    url: str,
    samples: list[tuple[int, datetime]],
    *,
    now: datetime,
    rig: str = "R1",
    boot: str = "b1",
    site: str = "S1",
    writer: IngestWriter | None = None,
) -> WriteResult:
    """(seq, t) samples of one rig and boot, as one message, in one batch."""
    message = TelemetryMessage(
        site=site,
        rig=rig,
        boot=boot,
        pile="P1",
        samples=[Sample(seq=seq, t=t, depth_m=0.1 * seq, flow_l_min=40.0) for seq, t in samples],
    )
    with connect(url) as conn:
        return (writer or IngestWriter("test")).write(
            conn, Batch(telemetry=[message], messages=1), now
        )


def telemetry_rows(conn: psycopg.Connection[dict[str, object]]) -> list[tuple[object, ...]]:
    return [
        (r["rig_id"], r["boot"], r["seq"], r["t"])
        for r in conn.execute("SELECT * FROM telemetry ORDER BY rig_id, boot, seq").fetchall()
    ]
