"""The plain-PostgreSQL layout (PILEWATCH_TIMESCALEDB=off, or a server without TimescaleDB):
telemetry range-partitioned by month with a default partition, identities enforced by the
hash-partitioned sample_keys."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from runtime.settings import get_settings
from storage.db import connect
from storage.ingest_writer import IngestWriter
from storage.migrations import migrate, telemetry_is_hypertable
from storage.partitions import PARTITION_WINDOW_MONTHS, PartitionKeeper, partition_name
from tests.storage.samples import telemetry_rows, write_samples

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


@pytest.fixture
def plain_url(empty_database_url: str) -> Iterator[str]:
    migrate(empty_database_url, get_settings(database_url=empty_database_url, timescaledb="off"))
    yield empty_database_url


def partitions(conn: psycopg.Connection[dict[str, object]], parent: str) -> dict[str, str]:
    """Partition name → its bound, as PostgreSQL prints it."""
    return {
        str(r["name"]): str(r["bound"])
        for r in conn.execute(
            "SELECT c.relname AS name, pg_get_expr(c.relpartbound, c.oid) AS bound"
            " FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
            " WHERE i.inhparent = %s::regclass",
            (parent,),
        ).fetchall()
    }


def where_rows_are(conn: psycopg.Connection[dict[str, object]]) -> dict[int, str]:
    return {
        int(str(r["seq"])): str(r["part"])
        for r in conn.execute("SELECT seq, tableoid::regclass::text AS part FROM telemetry")
    }


def test_layout(plain_url: str) -> None:
    with connect(plain_url) as conn:
        assert not telemetry_is_hypertable(conn)
        strategies = {
            str(r["name"]): str(r["strategy"])
            for r in conn.execute(
                "SELECT c.relname AS name, p.partstrat AS strategy FROM pg_partitioned_table p"
                " JOIN pg_class c ON c.oid = p.partrelid"
                " WHERE c.relname IN ('telemetry', 'sample_keys')"
            )
        }
        assert strategies == {"telemetry": "r", "sample_keys": "h"}
        assert partitions(conn, "telemetry") == {"telemetry_default": "DEFAULT"}
        keys = partitions(conn, "sample_keys")
        assert keys == {
            f"sample_keys_p{i}": f"FOR VALUES WITH (modulus 16, remainder {i})" for i in range(16)
        }


def test_monthly_partitions_are_created_as_samples_arrive(plain_url: str) -> None:
    november, december = NOW - timedelta(days=10), NOW + timedelta(days=15)
    far = NOW + timedelta(days=31 * (PARTITION_WINDOW_MONTHS + 2))
    writer = IngestWriter("test")
    result = write_samples(
        plain_url, [(1, november), (2, december), (3, far)], now=NOW, writer=writer
    )
    assert result.samples_stored == 3
    with connect(plain_url) as conn:
        conn.execute("SET timezone = 'UTC'")  # how the bounds are printed
        months = partitions(conn, "telemetry")
        assert set(months) == {"telemetry_default", "telemetry_y2026m11", "telemetry_y2026m12"}
        assert months["telemetry_y2026m11"] == (
            "FOR VALUES FROM ('2026-11-01 00:00:00+00') TO ('2026-12-01 00:00:00+00')"
        )
        # A clock years off does not get a partition of its own.
        assert where_rows_are(conn) == {
            1: "telemetry_y2026m11",
            2: "telemetry_y2026m12",
            3: "telemetry_default",
        }
    # A second writer (another ingester) finds the partitions there.
    again = write_samples(plain_url, [(4, november)], now=NOW, writer=IngestWriter("other"))
    assert again.samples_stored == 1


def test_a_month_with_rows_in_the_default_partition_keeps_using_it(plain_url: str) -> None:
    january = datetime(2027, 1, 5, tzinfo=UTC)
    with connect(plain_url) as conn:
        conn.execute(
            "INSERT INTO telemetry (site_id, rig_id, boot, seq, t, depth_m, flow_l_min)"
            " VALUES ('S1', 'R9', 'b', 1, %s, 0, 0)",
            (january,),
        )
        PartitionKeeper().ensure(conn, {january}, NOW)
        assert partition_name(january) not in partitions(conn, "telemetry")
    result = write_samples(plain_url, [(7, january)], now=NOW)
    assert result.samples_stored == 1
    with connect(plain_url) as conn:
        assert where_rows_are(conn)[7] == "telemetry_default"


def test_sample_keys_enforce_identity(plain_url: str) -> None:
    t0 = NOW - timedelta(hours=1)
    first = write_samples(plain_url, [(1, t0), (2, t0 + timedelta(seconds=1))], now=NOW)
    assert first.samples_stored == 2
    # The same message again, and once more inside one batch: nothing new is stored.
    again = write_samples(
        plain_url,
        [(1, t0), (2, t0 + timedelta(seconds=1)), (2, t0 + timedelta(seconds=1))],
        now=NOW,
    )
    assert (again.samples_stored, again.samples_duplicate) == (0, 3)
    # Same identity, another time: a conflict, not a second row.
    conflict = write_samples(plain_url, [(1, t0 + timedelta(minutes=5))], now=NOW)
    assert (conflict.samples_stored, conflict.samples_conflicting) == (0, 1)
    # Another boot or another rig is another identity.
    assert write_samples(plain_url, [(1, t0)], now=NOW, boot="b2").samples_stored == 1
    assert write_samples(plain_url, [(1, t0)], now=NOW, rig="R2").samples_stored == 1
    with connect(plain_url) as conn:
        assert telemetry_rows(conn) == [
            ("R1", "b1", 1, t0),
            ("R1", "b1", 2, t0 + timedelta(seconds=1)),
            ("R1", "b2", 1, t0),
            ("R2", "b1", 1, t0),
        ]
        # The database itself refuses a duplicate identity, whatever its time.
        for t in (t0, t0 + timedelta(days=40)):
            with pytest.raises(psycopg.errors.UniqueViolation), conn.transaction():
                conn.execute(
                    "INSERT INTO sample_keys (rig_id, boot, seq, t) VALUES ('R1', 'b1', 1, %s)",
                    (t,),
                )
