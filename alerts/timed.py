"""The timed rules: rig silent, rig offline and escalation (called by ``engine.tick``).

See ``alerts.engine`` for the identity and recovery rules these share.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from alerts.rulebook import Rulebook, RuleSet
from alerts.store import (
    ACTIVE_STATES,
    SYSTEM_ACTOR,
    AlertChange,
    Conn,
    Row,
    insert_alert,
    update_alert,
)

ACTOR = SYSTEM_ACTOR


def _minutes(delta: timedelta) -> float:
    return delta.total_seconds() / 60.0


def _types(row: Mapping[str, Any]) -> list[str]:
    return [str(v) for v in (row.get("rig_kind"), row.get("process")) if v]


def _rig_alert(
    conn: Conn,
    *,
    site: str,
    rig: str | None,
    pile: str | None,
    rule: str,
    failing: bool,
    since: datetime | None,
    value: float | None,
    limit: float | None,
    message: str,
    ruleset: RuleSet,
    now: datetime,
) -> AlertChange | None:
    """Raise / relapse / recover the interval-less alert of a rig rule for a pile (or rig)."""
    rows: list[Row] = conn.execute(
        "SELECT * FROM alerts WHERE site_id = %s AND rule = %s"
        " AND (pile_id = %s OR (pile_id IS NULL AND %s::text IS NULL AND rig_id = %s))"
        " ORDER BY id FOR UPDATE",
        (site, rule, pile, pile, rig),
    ).fetchall()
    active = [r for r in rows if r["state"] in ACTIVE_STATES]
    if not failing:
        if active and active[0]["recovered_at"] is None:
            return update_alert(conn, active[0], {"recovered_at": now}, "recovered", ACTOR, now)
        return None
    if active:
        if active[0]["recovered_at"] is None:
            return None
        changes = {"recovered_at": None, "value": value, "limit_value": limit, "message": message}
        return update_alert(conn, active[0], changes, "relapsed", ACTOR, now)
    cfg = ruleset.rule(rule)
    if since is not None and any(
        r["resolved_at"] is not None and r["resolved_at"] >= since for r in rows
    ):
        return None  # resolved during this very episode
    return insert_alert(
        conn,
        {
            "site_id": site,
            "rig_id": rig,
            "pile_id": pile,
            "rule": rule,
            "severity": cfg.severity,
            "value": value,
            "limit_value": limit,
            "message": message,
            "rules_digest": ruleset.digest,
        },
        ACTOR,
        now,
    )


def silent(conn: Conn, rulebook: Rulebook, now: datetime) -> Iterable[AlertChange | None]:
    rows = conn.execute(
        "SELECT p.site_id, p.pile_id, p.rig_id, p.last_sample_t, p.started_at, r.last_seen,"
        " p.summary->>'rig_kind' AS rig_kind, pp.process"
        " FROM piles p LEFT JOIN rigs r ON r.rig_id = p.rig_id"
        " LEFT JOIN planned_piles pp ON pp.site_id = p.site_id AND pp.pile_id = p.pile_id"
        " WHERE p.status = 'in_progress' ORDER BY p.site_id, p.pile_id"
    ).fetchall()
    for row in rows:
        ruleset = rulebook.for_pile(row["site_id"], _types(row))
        cfg = ruleset.rule("rig_silent")
        last = row["last_sample_t"] or row["started_at"]
        if not cfg.enabled or last is None:
            continue
        after = float(cfg.param("after_min") or 0.0)
        gap = _minutes(now - last)
        seen = row["last_seen"]
        failing = gap >= after and (seen is None or _minutes(now - seen) >= after)
        yield _rig_alert(
            conn,
            site=row["site_id"],
            rig=row["rig_id"],
            pile=row["pile_id"],
            rule="rig_silent",
            failing=failing,
            since=last,
            value=round(gap, 1),
            limit=after,
            message=f"no samples from rig {row['rig_id']} on pile {row['pile_id']} for "
            f"{gap:.0f} min (last sample {last.isoformat()}); limit {after:g} min",
            ruleset=ruleset,
            now=now,
        )


def offline(conn: Conn, rulebook: Rulebook, now: datetime) -> Iterable[AlertChange | None]:
    rows = conn.execute(
        "SELECT s.rig_id, s.site_id, s.online, s.received_at, p.pile_id,"
        " p.summary->>'rig_kind' AS rig_kind, pp.process"
        " FROM rig_status s"
        " LEFT JOIN piles p ON p.rig_id = s.rig_id AND p.status = 'in_progress'"
        " LEFT JOIN planned_piles pp ON pp.site_id = p.site_id AND pp.pile_id = p.pile_id"
        " ORDER BY s.site_id, s.rig_id, p.pile_id"
    ).fetchall()
    for row in rows:
        ruleset = rulebook.for_pile(row["site_id"], _types(row))
        cfg = ruleset.rule("rig_offline")
        pile = row["pile_id"]
        if not cfg.enabled or (pile is None and cfg.param("only_in_progress")):
            continue
        after = float(cfg.param("after_min") or 0.0)
        down = _minutes(now - row["received_at"])
        failing = not row["online"] and down >= after
        where = f"on pile {pile}" if pile else "(no pile in progress)"
        yield _rig_alert(
            conn,
            site=row["site_id"],
            rig=row["rig_id"],
            pile=pile,
            rule="rig_offline",
            failing=failing,
            since=row["received_at"],
            value=round(down, 1),
            limit=after,
            message=f"rig {row['rig_id']} offline {where} for {down:.0f} min "
            f"(since {row['received_at'].isoformat()}); limit {after:g} min",
            ruleset=ruleset,
            now=now,
        )


def escalate(conn: Conn, rulebook: Rulebook, now: datetime) -> Iterable[AlertChange]:
    rows: list[Row] = conn.execute(
        "SELECT a.*, pp.process, p.summary->>'rig_kind' AS rig_kind FROM alerts a"
        " LEFT JOIN planned_piles pp ON pp.site_id = a.site_id AND pp.pile_id = a.pile_id"
        " LEFT JOIN piles p ON p.site_id = a.site_id AND p.pile_id = a.pile_id"
        " WHERE a.state = 'open' AND a.severity = 'critical' AND a.escalated_at IS NULL"
        " ORDER BY a.id FOR UPDATE OF a"
    ).fetchall()
    for row in rows:
        cfg = rulebook.for_pile(row["site_id"], _types(row)).rule(row["rule"])
        after = cfg.escalate_after_min
        if after is None or _minutes(now - row["raised_at"]) < after:
            continue
        alert = {k: v for k, v in row.items() if k not in ("process", "rig_kind")}
        yield update_alert(conn, alert, {"escalated_at": now}, "escalated", ACTOR, now)
