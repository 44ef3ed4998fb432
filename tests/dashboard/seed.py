"""Small builders that put a site into the database the way the ingester and evaluator would:
planned piles, recorded piles with a profile, telemetry, rigs with status, alerts."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg

from api.auth import create_token

T0 = datetime(2026, 11, 22, 8, 0, 0, tzinfo=UTC)
DESIGN_KG_M = 55.0


def connect(url: str) -> psycopg.Connection[dict[str, Any]]:
    from psycopg.rows import dict_row

    return psycopg.connect(url, autocommit=True, row_factory=dict_row)


def token(url: str, role: str, name: str | None = None) -> str:
    with connect(url) as conn:
        _, secret = create_token(conn, name or f"{role}-user", role)
    return secret


def site(conn: psycopg.Connection[Any], site_id: str, name: str | None = None) -> None:
    conn.execute(
        "INSERT INTO sites (site_id, name) VALUES (%s, %s) ON CONFLICT DO NOTHING",
        (site_id, name),
    )


def planned(
    conn: psycopg.Connection[Any], site_id: str, count: int, *, prefix: str = "P", cols: int = 50
) -> list[str]:
    """``count`` planned piles on a grid 1.2 m apart; returns their ids."""
    ids = [f"{prefix}-{i:05d}" for i in range(count)]
    rows = [
        (
            site_id,
            pid,
            (i % cols) * 1.2,
            (i // cols) * 1.2,
            10.0,
            0.5,
            DESIGN_KG_M,
            0.55,
            1.78,
            4,
            "4S2P",
        )
        for i, pid in enumerate(ids)
    ]
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO planned_piles (site_id, pile_id, x_m, y_m, design_length_m, diameter_m,"
            " design_cement_kg_m, wc, density_kg_l, blades, process)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            rows,
        )
    return ids


def rig(conn: psycopg.Connection[Any], site_id: str, rig_id: str, *, online: bool = True) -> None:
    conn.execute(
        "INSERT INTO rigs (rig_id, site_id, first_seen, last_seen) VALUES (%s, %s, now(), now())"
        " ON CONFLICT DO NOTHING",
        (rig_id, site_id),
    )
    status = {"v": 1, "online": online, "t": T0.isoformat()}
    conn.execute(
        "INSERT INTO rig_status (rig_id, site_id, online, t, payload) VALUES (%s, %s, %s, %s, %s)"
        " ON CONFLICT (rig_id) DO UPDATE SET online = excluded.online",
        (rig_id, site_id, online, T0, json.dumps(status)),
    )


def profile_bins(
    depth_m: float, kg_m: float = DESIGN_KG_M, short: tuple[int, ...] = ()
) -> list[dict[str, Any]]:
    bins = []
    for i in range(math.ceil(depth_m / 0.5)):
        top, bottom = i * 0.5, min(depth_m, (i + 1) * 0.5)
        total = kg_m * (0.4 if i in short else 1.0)
        bins.append(
            {
                "top_m": top,
                "bottom_m": bottom,
                "cement_kg_m": total,
                "cement_down_kg_m": total * 0.4,
                "cement_up_kg_m": total * 0.6,
                "slurry_l_m": total / 1.1,
                "blade_passes_per_m": 420.0,
                "mixing_count": 420.0,
                "max_withdrawal_m_min": 0.8,
            }
        )
    return bins


def pile(
    conn: psycopg.Connection[Any],
    site_id: str,
    pile_id: str,
    rig_id: str,
    *,
    status: str = "complete",
    verdict: str | None = "pass",
    depth_m: float = 10.0,
    started: datetime = T0,
    short_bins: tuple[int, ...] = (),
    reasons: list[str] | None = None,
) -> None:
    bins = profile_bins(depth_m, short=short_bins)
    cement = sum(b["cement_kg_m"] * (b["bottom_m"] - b["top_m"]) for b in bins)
    conn.execute(
        """
        INSERT INTO piles (site_id, pile_id, rig_id, status, started_at, ended_at, samples,
            depth_reached_m, design_length_m, cement_total_kg, cv, cu, du_lq, min_ratio,
            verdict, reasons, score, grade, profile, evaluated_at)
        VALUES (%s, %s, %s, %s, %s, %s, %s, %s, 10.0, %s, 0.08, 0.93, 0.9, %s, %s, %s, 92.5,
            'A', %s, now())
        """,
        (
            site_id,
            pile_id,
            rig_id,
            status,
            started,
            None if status == "in_progress" else started + timedelta(minutes=40),
            120,
            depth_m,
            cement,
            0.4 if short_bins else 1.0,
            verdict,
            json.dumps(reasons or []),
            json.dumps(bins),
        ),
    )


def telemetry(
    conn: psycopg.Connection[Any], site_id: str, rig_id: str, pile_id: str, n: int = 120
) -> None:
    rows = []
    for seq in range(n):
        depth = 10.0 * (seq / (n / 2)) if seq < n / 2 else 10.0 * (2 - seq / (n / 2))
        rows.append(
            (
                site_id,
                rig_id,
                "b1",
                seq,
                T0 + timedelta(seconds=10 * seq),
                pile_id,
                depth,
                40.0 + (seq % 7),
                48.0,
                0.45,
            )
        )
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO telemetry (site_id, rig_id, boot, seq, t, pile_id, depth_m, flow_l_min,"
            " rpm, pressure_mpa) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            rows,
        )


def alert(
    conn: psycopg.Connection[Any],
    site_id: str,
    rig_id: str,
    pile_id: str,
    *,
    rule: str = "bin_cement_low",
    severity: str = "critical",
    state: str = "open",
    top: float | None = 2.0,
    bottom: float | None = 2.5,
    message: str = "cement 22.0 kg/m < 75% of design 55.0 kg/m",
) -> int:
    row = conn.execute(
        """
        INSERT INTO alerts (site_id, rig_id, pile_id, rule, severity, state, depth_top_m,
            depth_bottom_m, value, limit_value, message, raised_at, updated_at)
        VALUES (%s, %s, %s, %s, %s, %s, %s, %s, 22.0, 41.25, %s, %s, %s) RETURNING id
        """,
        (site_id, rig_id, pile_id, rule, severity, state, top, bottom, message, T0, T0),
    ).fetchone()
    assert row is not None
    alert_id = int(row["id"])
    conn.execute(
        "INSERT INTO alert_history (alert_id, at, actor, action, from_state, to_state, snapshot)"
        " VALUES (%s, %s, 'system', 'raise', NULL, 'open', '{}')",
        (alert_id, T0),
    )
    return alert_id


def demo_site(url: str, site_id: str = "S1", planned_count: int = 60) -> dict[str, Any]:
    """A site with planned piles, two rigs, finished (pass and fail), an in-progress pile,
    an unplanned pile, telemetry and alerts."""
    with connect(url) as conn:
        site(conn, site_id, "东环路软基处理")
        ids = planned(conn, site_id, planned_count)
        rig(conn, site_id, "R01", online=True)
        rig(conn, site_id, "R02", online=False)
        pile(conn, site_id, ids[0], "R01", verdict="pass")
        pile(
            conn,
            site_id,
            ids[1],
            "R02",
            verdict="fail",
            short_bins=(4,),
            reasons=["bin 2.0–2.5 m: cement below 75% of design"],
        )
        pile(
            conn,
            site_id,
            ids[2],
            "R01",
            status="in_progress",
            verdict=None,
            depth_m=6.0,
            short_bins=(4,),
        )
        pile(conn, site_id, "X-UNPLANNED", "R02", verdict="pass")
        telemetry(conn, site_id, "R01", ids[2])
        telemetry(conn, site_id, "R02", ids[1])
        open_id = alert(conn, site_id, "R01", ids[2])
        done_id = alert(
            conn,
            site_id,
            "R02",
            ids[1],
            severity="warning",
            rule="withdrawal_fast",
            message="withdrawal 1.6 m/min > 1.0 m/min",
        )
    return {
        "site": site_id,
        "planned": ids,
        "pass": ids[0],
        "fail": ids[1],
        "in_progress": ids[2],
        "open_alert": open_id,
        "other_alert": done_id,
    }
