"""The TimescaleDB layout: hypertable, compression segmented by rig, compression and retention
policies from the settings, inserts into compressed chunks still de-duplicated.

Runs only against a server with the timescaledb extension installed and preloaded (set
PILEWATCH_DATABASE_URL to one, e.g. the compose stack's); skipped otherwise. The plain
PostgreSQL layout is tested in test_partitions.py."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from runtime.settings import Settings, get_settings
from storage.db import connect
from storage.migrations import migrate, telemetry_is_hypertable, timescaledb_loadable
from tests.conftest import create_database, drop_database
from tests.storage.samples import telemetry_rows, write_samples

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def ts_settings(url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "database_url": url,
        "timescaledb": "require",
        "telemetry_chunk_days": 2,
        "telemetry_compress_after_days": 7,
        "telemetry_retention_days": 400,
    }
    values.update(overrides)
    return get_settings(**values)


@pytest.fixture
def timescale_url(postgres_admin_url: str) -> Iterator[str]:
    with connect(postgres_admin_url) as conn:
        if not timescaledb_loadable(conn):
            pytest.skip("TimescaleDB is not installed on this server")
    url = create_database(postgres_admin_url)
    try:
        migrate(url, ts_settings(url))
        yield url
    finally:
        drop_database(postgres_admin_url, url)


def policies(conn: psycopg.Connection[dict[str, object]]) -> dict[str, timedelta]:
    rows = conn.execute(
        "SELECT proc_name, coalesce(config->>'compress_after', config->>'drop_after')::interval"
        " AS after FROM timescaledb_information.jobs WHERE hypertable_name = 'telemetry'"
    ).fetchall()
    found: dict[str, timedelta] = {}
    for r in rows:
        assert isinstance(r["after"], timedelta)
        found[str(r["proc_name"])] = r["after"]
    return found


def test_telemetry_is_a_compressed_hypertable(timescale_url: str) -> None:
    with connect(timescale_url) as conn:
        assert telemetry_is_hypertable(conn)
        table = conn.execute(
            "SELECT compression_enabled FROM timescaledb_information.hypertables"
            " WHERE hypertable_name = 'telemetry'"
        ).fetchone()
        assert table is not None and table["compression_enabled"] is True
        dimension = conn.execute(
            "SELECT column_name, time_interval FROM timescaledb_information.dimensions"
            " WHERE hypertable_name = 'telemetry'"
        ).fetchall()
        assert [(d["column_name"], d["time_interval"]) for d in dimension] == [
            ("t", timedelta(days=2))
        ]
        segmentby = conn.execute(
            "SELECT attname FROM timescaledb_information.compression_settings"
            " WHERE hypertable_name = 'telemetry' AND segmentby_column_index IS NOT NULL"
        ).fetchall()
        assert [r["attname"] for r in segmentby] == ["rig_id"]
        assert policies(conn) == {
            "policy_compression": timedelta(days=7),
            "policy_retention": timedelta(days=400),
        }


def test_policies_follow_the_settings_on_each_start(timescale_url: str) -> None:
    assert (
        migrate(
            timescale_url,
            ts_settings(timescale_url, telemetry_compress_after_days=3, telemetry_retention_days=0),
        )
        == []
    )
    with connect(timescale_url) as conn:
        assert policies(conn) == {"policy_compression": timedelta(days=3)}
    migrate(
        timescale_url,
        ts_settings(timescale_url, telemetry_compress_after_days=0, telemetry_retention_days=30),
    )
    with connect(timescale_url) as conn:
        assert policies(conn) == {"policy_retention": timedelta(days=30)}


def test_compressed_chunk_takes_inserts_and_dedup_holds(timescale_url: str) -> None:
    old = NOW - timedelta(days=20)
    first = write_samples(timescale_url, [(1, old), (2, old + timedelta(seconds=1))], now=NOW)
    assert first.samples_stored == 2
    with connect(timescale_url) as conn:
        chunks = conn.execute(
            "SELECT compress_chunk(c, if_not_compressed => true) AS c"
            " FROM show_chunks('telemetry') c"
        ).fetchall()
        assert len(chunks) == 1
        compressed = conn.execute(
            "SELECT bool_and(is_compressed) AS all_compressed, count(*) AS n"
            " FROM timescaledb_information.chunks WHERE hypertable_name = 'telemetry'"
        ).fetchone()
        assert compressed is not None and compressed["all_compressed"] is True

    # A late sample into the compressed chunk, plus the two already stored (a re-sent
    # message): only the new one is stored.
    again = write_samples(
        timescale_url,
        [(1, old), (2, old + timedelta(seconds=1)), (3, old + timedelta(seconds=2))],
        now=NOW,
    )
    assert (again.samples_stored, again.samples_duplicate) == (1, 2)
    with connect(timescale_url) as conn:
        assert telemetry_rows(conn) == [
            ("R1", "b1", 1, old),
            ("R1", "b1", 2, old + timedelta(seconds=1)),
            ("R1", "b1", 3, old + timedelta(seconds=2)),
        ]
        with pytest.raises(psycopg.errors.UniqueViolation), conn.transaction():
            conn.execute(
                "INSERT INTO sample_keys (rig_id, boot, seq, t) VALUES ('R1', 'b1', 3, %s)",
                (old,),
            )


def test_rig_activity_keeps_old_and_late_hours_after_the_refresh_policy_runs(
    timescale_url: str,
) -> None:
    # The refresh policy works on the real clock, so these samples are placed relative to it.
    hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    history = hour - timedelta(days=20)
    recent = hour - timedelta(hours=3)
    write_samples(timescale_url, [(1, history), (2, recent)], now=NOW)

    def run_refresh_policy() -> dict[datetime, int]:
        with connect(timescale_url) as conn:
            job = conn.execute(
                "SELECT job_id FROM timescaledb_information.jobs"
                " WHERE hypertable_name = 'rig_activity_hourly'"
                " AND proc_name = 'policy_refresh_continuous_aggregate'"
            ).fetchone()
            assert job is not None
            # The scheduler also runs a new policy in the background: wait out that refresh.
            deadline = time.monotonic() + 60
            while True:
                try:
                    conn.execute("CALL run_job(%s)", (job["job_id"],))
                    break
                except psycopg.errors.LockNotAvailable:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.2)
            rows = conn.execute("SELECT hour, samples FROM rig_activity_hourly").fetchall()
            return {r["hour"]: int(str(r["samples"])) for r in rows}

    # Hours older than any trailing refresh window stay visible once the policy has run.
    assert run_refresh_policy() == {history: 1, recent: 1}
    # A sample uploaded late, into an hour below the aggregate's watermark, is counted too.
    late = hour - timedelta(days=10)
    write_samples(timescale_url, [(3, late)], now=NOW)
    assert run_refresh_policy() == {history: 1, late: 1, recent: 1}
