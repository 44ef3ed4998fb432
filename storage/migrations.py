"""Ordered, versioned SQL migrations, safe to run twice and from several processes at once."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from importlib import resources

import psycopg

from runtime.settings import Settings
from storage.db import connect, has_timescaledb

log = logging.getLogger(__name__)

# Any constant will do; every pilewatch process that migrates takes the same lock.
MIGRATION_LOCK_KEY = 0x50494C45  # "PILE"


class MigrationError(RuntimeError):
    pass


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


def load_migrations() -> list[Migration]:
    folder = resources.files("storage") / "migrations"
    found: list[Migration] = []
    for entry in folder.iterdir():
        if not entry.name.endswith(".sql"):
            continue
        stem = entry.name.removesuffix(".sql")
        number, _, name = stem.partition("_")
        if not number.isdigit():
            raise MigrationError(f"migration file {entry.name!r} must start with a number")
        found.append(Migration(int(number), name, entry.read_text(encoding="utf-8")))
    found.sort(key=lambda m: m.version)
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise MigrationError(f"duplicate migration numbers in {versions}")
    return found


def timescaledb_loadable(conn: psycopg.Connection[dict[str, object]]) -> bool:
    row = conn.execute(
        "SELECT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb') AS ok,"
        " current_setting('shared_preload_libraries') AS preload"
    ).fetchone()
    assert row is not None
    return bool(row["ok"]) and "timescaledb" in str(row["preload"])


def migrate(url: str, settings: Settings) -> list[int]:
    """Apply what is missing; returns the versions this call applied."""
    applied_now: list[int] = []
    with connect(url, autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (MIGRATION_LOCK_KEY,))
        try:
            use_timescale = _prepare_timescaledb(conn, settings)
            conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                " version integer PRIMARY KEY, name text NOT NULL,"
                " applied_at timestamptz NOT NULL DEFAULT now())"
            )
            done = {
                int(str(r["version"]))
                for r in conn.execute("SELECT version FROM schema_migrations").fetchall()
            }
            for migration in load_migrations():
                if migration.version in done:
                    continue
                with conn.transaction():
                    conn.execute(
                        "SELECT set_config('pilewatch.timescaledb', %s, true),"
                        " set_config('pilewatch.chunk_days', %s, true)",
                        ("on" if use_timescale else "off", str(settings.telemetry_chunk_days)),
                    )
                    conn.execute(migration.sql.encode())
                    conn.execute(
                        "INSERT INTO schema_migrations (version, name) VALUES (%s, %s)",
                        (migration.version, migration.name),
                    )
                log.info("applied migration %04d_%s", migration.version, migration.name)
                applied_now.append(migration.version)
            if use_timescale:
                apply_timescale_policies(conn, settings)
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (MIGRATION_LOCK_KEY,))
    return applied_now


def _prepare_timescaledb(conn: psycopg.Connection[dict[str, object]], settings: Settings) -> bool:
    if settings.timescaledb == "off":
        return False
    if has_timescaledb(conn):
        return True
    if timescaledb_loadable(conn):
        conn.execute("CREATE EXTENSION IF NOT EXISTS timescaledb")
        return True
    if settings.timescaledb == "require":
        raise MigrationError(
            "PILEWATCH_TIMESCALEDB=require but the timescaledb extension is not installed and"
            " preloaded on this server"
        )
    return False


def telemetry_is_hypertable(conn: psycopg.Connection[dict[str, object]]) -> bool:
    if not has_timescaledb(conn):
        return False
    row = conn.execute(
        "SELECT 1 AS ok FROM timescaledb_information.hypertables"
        " WHERE hypertable_name = 'telemetry'"
    ).fetchone()
    return row is not None


def apply_timescale_policies(
    conn: psycopg.Connection[dict[str, object]], settings: Settings
) -> None:
    """Compression segmented by rig, and retention when configured; re-applied on each start
    so a changed setting takes effect."""
    if not telemetry_is_hypertable(conn):
        return
    conn.execute(
        "ALTER TABLE telemetry SET (timescaledb.compress,"
        " timescaledb.compress_segmentby = 'rig_id', timescaledb.compress_orderby = 't')"
    )
    conn.execute("SELECT remove_compression_policy('telemetry', if_exists => true)")
    if settings.telemetry_compress_after_days > 0:
        conn.execute(
            "SELECT add_compression_policy('telemetry', make_interval(days => %s))",
            (settings.telemetry_compress_after_days,),
        )
    conn.execute("SELECT remove_retention_policy('telemetry', if_exists => true)")
    if settings.telemetry_retention_days > 0:
        conn.execute(
            "SELECT add_retention_policy('telemetry', make_interval(days => %s))",
            (settings.telemetry_retention_days,),
        )
    ensure_rig_activity_aggregate(conn)


def ensure_rig_activity_aggregate(conn: psycopg.Connection[dict[str, object]]) -> None:
    """`rig_activity_hourly` as a real-time continuous aggregate with a refresh policy.

    Created here, on an autocommit connection, because TimescaleDB refuses to create a
    continuous aggregate inside a transaction (migrations run in one); migration 0007 makes
    the plain view when TimescaleDB is not used."""
    exists = conn.execute("SELECT to_regclass('rig_activity_hourly') AS r").fetchone()
    if exists is None or exists["r"] is None:
        _create_rig_activity_aggregate(conn)
    # The policy refreshes from the earliest time (start_offset NULL), not a trailing window:
    # real-time aggregation reads raw rows only above the watermark, so an hour a trailing
    # window never covered (history from before the aggregate, samples uploaded days late)
    # would be missing for good. A refresh recomputes only the hours that changed.
    policy = conn.execute(
        "SELECT config->>'start_offset' AS start_offset FROM timescaledb_information.jobs"
        " WHERE hypertable_name = 'rig_activity_hourly'"
        " AND proc_name = 'policy_refresh_continuous_aggregate'"
    ).fetchone()
    if policy is not None and policy["start_offset"] is None:
        return
    conn.execute(
        "SELECT remove_continuous_aggregate_policy('rig_activity_hourly', if_exists => true)"
    )
    conn.execute(
        "SELECT add_continuous_aggregate_policy('rig_activity_hourly',"
        " start_offset => NULL, end_offset => INTERVAL '1 hour',"
        " schedule_interval => INTERVAL '30 minutes')"
    )


def _create_rig_activity_aggregate(conn: psycopg.Connection[dict[str, object]]) -> None:
    conn.execute(
        """
        CREATE MATERIALIZED VIEW rig_activity_hourly
        WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
        SELECT time_bucket(INTERVAL '1 hour', t) AS hour, site_id, rig_id,
               count(*) AS samples,
               avg(flow_l_min) AS mean_flow_l_min,
               max(depth_m) AS max_depth_m,
               min(t) AS first_t,
               max(t) AS last_t
        FROM telemetry
        GROUP BY 1, 2, 3
        WITH NO DATA
        """
    )
