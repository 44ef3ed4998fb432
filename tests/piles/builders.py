"""Store a simulated run through the real ingest path (validation, COPY, de-duplication)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from ingest.batching import Received, build_batch
from simulators.mqtt_conn import OutMsg
from siteplan.csv_format import PlannedPile
from storage.db import connect
from storage.ingest_writer import IngestWriter
from storage.plans import import_plan
from telemetry.payload import ValidationLimits


def store_messages(url: str, messages: Sequence[OutMsg]) -> None:
    items = [
        Received(m.topic, m.payload, mid=i, qos=1, retain=m.retain, generation=0)
        for i, m in enumerate(messages)
    ]
    now = datetime.now(UTC)
    with connect(url) as conn:
        IngestWriter("test").write(conn, build_batch(items, now, ValidationLimits()), now)


def store_plan(url: str, site: str, plan: Sequence[PlannedPile]) -> None:
    with connect(url) as conn:
        import_plan(conn, site, list(plan))


def is_pile_end(message: OutMsg) -> bool:
    return message.topic.endswith("/event") and b'"pile_end"' in message.payload
