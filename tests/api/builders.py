"""Rows for API tests, inserted straight into the tables the ingester and evaluator fill."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg

from storage.db import connect

T0 = datetime(2026, 11, 22, 8, 0, 0, tzinfo=UTC)
Conn = psycopg.Connection[dict[str, Any]]


def site(conn: Conn, site_id: str, name: str | None = None) -> None:
    conn.execute(
        "INSERT INTO sites (site_id, name) VALUES (%s, %s) ON CONFLICT DO NOTHING",
        (site_id, name),
    )


def planned(conn: Conn, site_id: str, pile: str, **fields: Any) -> None:
    site(conn, site_id)
    row = {
        "x_m": 10.0,
        "y_m": 20.0,
        "design_length_m": 12.0,
        "diameter_m": 0.5,
        "design_cement_kg_m": 55.0,
        "wc": 0.55,
        "density_kg_l": 1.78,
        "blades": 4,
        "process": "4S2P",
    } | fields
    conn.execute(
        "INSERT INTO planned_piles (site_id, pile_id, x_m, y_m, design_length_m, diameter_m,"
        " design_cement_kg_m, wc, density_kg_l, blades, process)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
        (site_id, pile, *row.values()),
    )


def profile_bins(depth_m: float, bin_m: float = 0.5, kg_m: float = 60.0) -> list[dict[str, Any]]:
    bins = []
    top = 0.0
    while top < depth_m - 1e-9:
        bottom = min(top + bin_m, depth_m)
        bins.append(
            {
                "top_m": top,
                "bottom_m": bottom,
                "cement_kg_m": kg_m,
                "cement_down_kg_m": kg_m / 2,
                "cement_up_kg_m": kg_m / 2,
                "slurry_l_m": 70.0,
                "blade_passes_per_m": 400.0,
                "mixing_count": 25.0,
                "max_withdrawal_m_min": 0.4,
                "passes": 4,
            }
        )
        top = bottom
    return bins


def pile(
    conn: Conn,
    site_id: str,
    pile_id: str,
    *,
    rig: str = "R1",
    status: str = "complete",
    verdict: str | None = "pass",
    started_at: datetime = T0,
    depth: float = 12.0,
    kg_m: float = 60.0,
    cv: float = 0.05,
    cu: float = 0.95,
    reasons: list[str] | None = None,
    shuffle_profile: bool = False,
) -> None:
    site(conn, site_id)
    bins = profile_bins(depth, kg_m=kg_m)
    if shuffle_profile:
        bins = bins[::-1]
    ended = started_at + timedelta(minutes=40) if status != "in_progress" else None
    conn.execute(
        "INSERT INTO piles (site_id, pile_id, rig_id, status, started_at, ended_at, samples,"
        " depth_reached_m, design_length_m, cement_total_kg, cv, cu, du_lq, min_ratio, verdict,"
        " reasons, score, grade, profile, bin_m)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s,"
        " 0.5)",
        (
            site_id,
            pile_id,
            rig,
            status,
            started_at,
            ended,
            100,
            depth,
            12.0,
            kg_m * depth,
            cv,
            cu,
            0.9,
            kg_m / 55.0,
            verdict,
            json.dumps(reasons or []),
            95.0,
            "A",
            json.dumps(bins),
        ),
    )


def samples(conn: Conn, site_id: str, rig: str, pile_id: str, n: int, t0: datetime = T0) -> None:
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO telemetry (site_id, rig_id, boot, seq, t, pile_id, depth_m, flow_l_min,"
            " rpm, pressure_mpa) VALUES (%s, %s, 'b1', %s, %s, %s, %s, 40.0, 48.0, 0.5)",
            [
                (site_id, rig, i, t0 + timedelta(seconds=i), pile_id, round(0.01 * i, 3))
                for i in range(n)
            ],
        )
        cur.executemany(
            "INSERT INTO sample_keys (rig_id, boot, seq, t) VALUES (%s, 'b1', %s, %s)",
            [(rig, i, t0 + timedelta(seconds=i)) for i in range(n)],
        )


def rig(conn: Conn, site_id: str, rig_id: str, *, online: bool = True, t: datetime = T0) -> None:
    site(conn, site_id)
    conn.execute(
        "INSERT INTO rigs (rig_id, site_id, first_seen, last_seen) VALUES (%s, %s, %s, %s)",
        (rig_id, site_id, t, t),
    )
    conn.execute(
        "INSERT INTO rig_status (rig_id, site_id, online, t, payload) VALUES (%s, %s, %s, %s, %s)",
        (rig_id, site_id, online, t, json.dumps({"v": 1, "online": online})),
    )


def pile_start_event(
    conn: Conn, site_id: str, rig_id: str, pile_id: str, seq: int, payload: dict[str, Any]
) -> None:
    conn.execute(
        "INSERT INTO rig_events (rig_id, boot, seq, site_id, t, type, pile_id, payload)"
        " VALUES (%s, 'b1', %s, %s, %s, 'pile_start', %s, %s)",
        (rig_id, seq, site_id, T0, pile_id, json.dumps(payload)),
    )


def open_db(url: str) -> Conn:
    return connect(url)


def alerts_table(conn: Conn) -> None:
    """The columns of the alerts package's table this API reads (when it is not installed)."""
    conn.execute(
        "CREATE TABLE IF NOT EXISTS alerts (id bigserial PRIMARY KEY, site_id text NOT NULL,"
        " rig_id text, pile_id text, rule text NOT NULL, severity text NOT NULL,"
        " state text NOT NULL DEFAULT 'open', depth_top_m double precision,"
        " depth_bottom_m double precision, value double precision,"
        " limit_value double precision, message text NOT NULL, raised_at timestamptz NOT NULL,"
        " updated_at timestamptz NOT NULL DEFAULT now())"
    )


def alert(conn: Conn, site_id: str, pile_id: str, severity: str, *, state: str = "open") -> None:
    conn.execute(
        "INSERT INTO alerts (site_id, rig_id, pile_id, rule, severity, state, depth_top_m,"
        " depth_bottom_m, value, limit_value, message, raised_at, updated_at)"
        " VALUES (%s, 'R1', %s, 'bin_cement', %s, %s, 2.0, 2.5, 40.0, 55.0,"
        " 'cement per metre 40.0 below 55.0', %s, %s)",
        (site_id, pile_id, severity, state, T0, T0),
    )
