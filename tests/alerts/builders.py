"""Small builders for alert tests: findings, evaluated piles and the DB rows they need."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from piles.evaluated import EvaluatedPile
from storage.db import connect

T0 = datetime(2026, 11, 22, 8, 0, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def finding(
    rule: str = "bin_cement",
    top: float | None = 2.0,
    bottom: float | None = 2.5,
    value: float | None = 30.0,
    limit: float | None = 41.25,
    severity: str = "critical",
    message: str | None = None,
) -> dict[str, Any]:
    return {
        "rule": rule,
        "severity": severity,
        "depth_top_m": top,
        "depth_bottom_m": bottom,
        "value": value,
        "limit": limit,
        "message": message or f"{rule} {value} at {top}–{bottom} m",
    }


def evaluated(
    findings: list[dict[str, Any]],
    *,
    site: str = "S1",
    pile: str = "P-1",
    rig: str | None = "R1",
    final: bool = False,
    closed_bins: list[int] | None = None,
    revision: int = 1,
    summary: dict[str, Any] | None = None,
) -> EvaluatedPile:
    return EvaluatedPile(
        site=site,
        pile=pile,
        rig=rig,
        status="complete" if final else "in_progress",
        final=final,
        revision=revision,
        verdict=("fail" if findings else "pass") if final else None,
        findings=findings,
        closed_bins=closed_bins or [],
        bin_m=0.5,
        summary=summary or {},
    )


def seed_pile(
    url: str,
    *,
    site: str = "S1",
    pile: str = "P-1",
    rig: str = "R1",
    status: str = "in_progress",
    last_sample_t: datetime | None = T0,
    rig_last_seen: datetime | None = T0,
    process: str | None = None,
) -> None:
    with connect(url) as conn:
        conn.execute("INSERT INTO sites (site_id) VALUES (%s) ON CONFLICT DO NOTHING", (site,))
        conn.execute(
            "INSERT INTO rigs (rig_id, site_id, first_seen, last_seen) VALUES (%s, %s, %s, %s)"
            " ON CONFLICT (rig_id) DO UPDATE SET last_seen = excluded.last_seen",
            (rig, site, rig_last_seen or T0, rig_last_seen or T0),
        )
        conn.execute(
            "INSERT INTO piles (site_id, pile_id, rig_id, status, started_at, last_sample_t)"
            " VALUES (%s, %s, %s, %s, %s, %s)",
            (site, pile, rig, status, T0, last_sample_t),
        )
        if process:
            conn.execute(
                "INSERT INTO planned_piles (site_id, pile_id, x_m, y_m, design_length_m,"
                " diameter_m, design_cement_kg_m, wc, density_kg_l, blades, process)"
                " VALUES (%s, %s, 0, 0, 10, 0.5, 55, 0.55, 1.78, 4, %s)",
                (site, pile, process),
            )


def set_status(url: str, rig: str, online: bool, at_: datetime, site: str = "S1") -> None:
    with connect(url) as conn:
        conn.execute(
            "INSERT INTO rig_status (rig_id, site_id, online, t, payload, received_at)"
            " VALUES (%s, %s, %s, %s, '{}', %s) ON CONFLICT (rig_id) DO UPDATE SET"
            " online = excluded.online, received_at = excluded.received_at",
            (rig, site, online, at_, at_),
        )


def alerts_of(url: str, **where: Any) -> list[dict[str, Any]]:
    clauses = " AND ".join(f"{k} = %s" for k in where) or "true"
    with connect(url) as conn:
        return conn.execute(
            f"SELECT * FROM alerts WHERE {clauses} ORDER BY id", list(where.values())
        ).fetchall()


def history_of(url: str, alert_id: int) -> list[dict[str, Any]]:
    with connect(url) as conn:
        return conn.execute(
            "SELECT * FROM alert_history WHERE alert_id = %s ORDER BY id", (alert_id,)
        ).fetchall()
