"""Sites, their map, today's figures and rigs: one query each, fast for thousands of piles."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import psycopg

from api.services.errors import NotFoundError
from api.services.piles import ALL_PILES

Conn = psycopg.Connection[dict[str, Any]]


def require_site(conn: Conn, site: str) -> None:
    if conn.execute("SELECT 1 AS ok FROM sites WHERE site_id = %s", (site,)).fetchone() is None:
        raise NotFoundError(f"site {site!r} not found")


def list_sites(conn: Conn) -> list[dict[str, Any]]:
    return conn.execute(
        """
        SELECT s.site_id AS site, s.name,
               (SELECT count(*) FROM planned_piles pp WHERE pp.site_id = s.site_id)
                   AS piles_planned,
               (SELECT count(*) FROM piles p WHERE p.site_id = s.site_id) AS piles_recorded,
               (SELECT count(*) FROM rigs r WHERE r.site_id = s.site_id) AS rigs
        FROM sites s ORDER BY s.site_id
        """
    ).fetchall()


def site_map(conn: Conn, site: str) -> list[dict[str, Any]]:
    """Every pile of the site with its position: the plan's, else the position the rig
    measured at pile_start (when it sent one), else null."""
    require_site(conn, site)
    return conn.execute(
        f"""
        WITH measured AS (
            SELECT DISTINCT ON (pile_id) pile_id,
                   CASE WHEN jsonb_typeof(payload -> 'x') = 'number'
                        THEN (payload ->> 'x')::float8 END AS x_m,
                   CASE WHEN jsonb_typeof(payload -> 'y') = 'number'
                        THEN (payload ->> 'y')::float8 END AS y_m
            FROM rig_events
            WHERE site_id = %(site)s AND type = 'pile_start' AND pile_id IS NOT NULL
            ORDER BY pile_id, t DESC
        )
        SELECT a.pile, coalesce(pp.x_m, m.x_m) AS x_m, coalesce(pp.y_m, m.y_m) AS y_m,
               a.status, a.verdict, a.rig, a.cement_total_kg, a.depth_reached_m,
               a.design_length_m, a.unplanned
        FROM ({ALL_PILES}) AS a
        LEFT JOIN planned_piles pp ON pp.site_id = a.site AND pp.pile_id = a.pile
        LEFT JOIN measured m ON m.pile_id = a.pile AND a.unplanned
        WHERE a.site = %(site)s
        ORDER BY a.pile COLLATE "C"
        """.encode(),
        {"site": site},
    ).fetchall()


def alerts_table_exists(conn: Conn) -> bool:
    row = conn.execute("SELECT to_regclass('alerts') IS NOT NULL AS ok").fetchone()
    return bool(row and row["ok"])


def open_alert_counts(conn: Conn, site: str) -> dict[str, int]:
    counts = {"info": 0, "warning": 0, "critical": 0}
    # The alerts package owns that table and may not be installed yet.
    if not alerts_table_exists(conn):
        return counts
    for row in conn.execute(
        "SELECT severity, count(*) AS n FROM alerts WHERE site_id = %s AND state = 'open'"
        " GROUP BY severity",
        (site,),
    ):
        if row["severity"] in counts:
            counts[row["severity"]] = int(row["n"])
    return counts


def site_today(conn: Conn, site: str, day: date) -> dict[str, Any]:
    """Piles that ended on `day` (UTC) and what they put in the ground; alerts open now."""
    require_site(conn, site)
    start = datetime.combine(day, time(), UTC)
    end = start + timedelta(days=1)
    piles = conn.execute(
        """
        SELECT count(*) AS piles_finished,
               coalesce(sum(depth_reached_m), 0) AS metres_treated,
               coalesce(sum(cement_total_kg), 0) AS cement_kg,
               count(*) FILTER (WHERE verdict = 'pass') AS passed,
               count(*) FILTER (WHERE verdict IS NOT NULL) AS judged
        FROM piles
        WHERE site_id = %s AND status IN ('complete', 'incomplete')
          AND ended_at >= %s AND ended_at < %s
        """,
        (site, start, end),
    ).fetchone()
    rigs = conn.execute(
        "SELECT count(*) AS total, count(*) FILTER (WHERE s.online) AS online"
        " FROM rigs r LEFT JOIN rig_status s USING (rig_id) WHERE r.site_id = %s",
        (site,),
    ).fetchone()
    assert piles is not None and rigs is not None
    judged = int(piles["judged"])
    return {
        "date": day,
        "piles_finished": int(piles["piles_finished"]),
        "metres_treated": float(piles["metres_treated"]),
        "cement_kg": float(piles["cement_kg"]),
        "pass_rate": int(piles["passed"]) / judged if judged else None,
        "open_alerts": open_alert_counts(conn, site),
        "rigs_online": int(rigs["online"]),
        "rigs_total": int(rigs["total"]),
    }


# A rig's pile in progress and, while it is on one, the depth of its latest sample.
_RIGS = """
    SELECT r.rig_id AS rig, r.site_id AS site, coalesce(s.online, false) AS online,
           greatest(r.last_seen, s.received_at) AS last_seen,
           cur.pile_id AS current_pile,
           CASE WHEN cur.pile_id IS NOT NULL THEN (
               SELECT t.depth_m FROM telemetry t
               WHERE t.rig_id = r.rig_id AND t.pile_id = cur.pile_id
               ORDER BY t.t DESC LIMIT 1) END AS live_depth_m
    FROM rigs r
    LEFT JOIN rig_status s USING (rig_id)
    LEFT JOIN LATERAL (
        SELECT p.pile_id FROM piles p
        WHERE p.rig_id = r.rig_id AND p.site_id = r.site_id AND p.status = 'in_progress'
        ORDER BY p.started_at DESC NULLS LAST LIMIT 1
    ) cur ON true
"""


def list_rigs(conn: Conn, site: str | None) -> list[dict[str, Any]]:
    if site is None:
        return conn.execute(f"{_RIGS} ORDER BY r.site_id, r.rig_id".encode()).fetchall()
    return conn.execute(
        f"{_RIGS} WHERE r.site_id = %s ORDER BY r.rig_id".encode(), (site,)
    ).fetchall()


def get_rig(conn: Conn, rig: str) -> dict[str, Any]:
    row = conn.execute(f"{_RIGS} WHERE r.rig_id = %s".encode(), (rig,)).fetchone()
    if row is None:
        raise NotFoundError(f"rig {rig!r} not found")
    return row
