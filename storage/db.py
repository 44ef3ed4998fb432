"""Connections to PostgreSQL/TimescaleDB."""

from __future__ import annotations

import psycopg
from psycopg.rows import dict_row


def connect(url: str, *, autocommit: bool = True) -> psycopg.Connection[dict[str, object]]:
    # Autocommit by default: every unit of work states its own `conn.transaction()`, so no
    # connection sits idle inside an implicit transaction holding locks.
    conn = psycopg.connect(url, autocommit=autocommit, row_factory=dict_row)
    return conn


def has_timescaledb(conn: psycopg.Connection[dict[str, object]]) -> bool:
    row = conn.execute("SELECT 1 AS ok FROM pg_extension WHERE extname = 'timescaledb'").fetchone()
    return row is not None
