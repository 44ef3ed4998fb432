"""Monthly range partitions of `telemetry` on plain PostgreSQL.

TimescaleDB makes its own chunks; this is the fallback.
"""

from __future__ import annotations

from datetime import UTC, datetime

import psycopg

from storage.migrations import telemetry_is_hypertable

PARTITION_LOCK_KEY = 0x50415254  # "PART"
# Months this far from now get a partition; anything further (a rig whose clock is years off)
# lands in the default partition instead of creating one partition per bad clock.
PARTITION_WINDOW_MONTHS = 36


def month_start(moment: datetime) -> datetime:
    return datetime(moment.year, moment.month, 1, tzinfo=UTC)


def next_month(start: datetime) -> datetime:
    return datetime(start.year + start.month // 12, start.month % 12 + 1, 1, tzinfo=UTC)


def partition_name(start: datetime) -> str:
    return f"telemetry_y{start.year:04d}m{start.month:02d}"


class PartitionKeeper:
    """Creates the monthly partitions a batch needs, once per month per process."""

    def __init__(self) -> None:
        self._known: set[datetime] = set()
        self._hypertable: bool | None = None

    def ensure(
        self, conn: psycopg.Connection[dict[str, object]], moments: set[datetime], now: datetime
    ) -> None:
        if self._hypertable is None:
            self._hypertable = telemetry_is_hypertable(conn)
        if self._hypertable:
            return
        now_month = month_start(now)
        wanted = {month_start(m.astimezone(UTC)) for m in moments} - self._known
        for start in sorted(wanted):
            months_away = abs((start.year - now_month.year) * 12 + start.month - now_month.month)
            if months_away > PARTITION_WINDOW_MONTHS:
                self._known.add(start)
                continue
            self._create(conn, start)
            self._known.add(start)

    def _create(self, conn: psycopg.Connection[dict[str, object]], start: datetime) -> None:
        name = partition_name(start)
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (PARTITION_LOCK_KEY,))
            exists = conn.execute("SELECT to_regclass(%s) AS r", (name,)).fetchone()
            if exists is not None and exists["r"] is not None:
                return
            # Rows of this month already in the default partition would make CREATE fail;
            # they stay where they are and the month keeps using the default partition.
            stray = conn.execute(
                "SELECT 1 AS x FROM telemetry_default WHERE t >= %s AND t < %s LIMIT 1",
                (start, next_month(start)),
            ).fetchone()
            if stray is not None:
                return
            conn.execute(
                psycopg.sql.SQL(
                    "CREATE TABLE {} PARTITION OF telemetry FOR VALUES FROM ({}) TO ({})"
                ).format(
                    psycopg.sql.Identifier(name),
                    psycopg.sql.Literal(start),
                    psycopg.sql.Literal(next_month(start)),
                )
            )
