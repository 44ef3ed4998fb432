"""Alert rows, their JSON form, and the one way to change them: every insert or update
writes an ``alert_history`` row and an ``alert_events`` row (the SSE / webhook feed) and
sends ``NOTIFY pilewatch_alerts, '<event id>'``, all in the caller's transaction."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg

CHANNEL = "pilewatch_alerts"
ACTIVE_STATES = ("open", "acknowledged")
SYSTEM_ACTOR = "system"

Conn = psycopg.Connection[Any]
Row = dict[str, Any]

_FIELDS = (
    "site_id",
    "rig_id",
    "pile_id",
    "rule",
    "severity",
    "state",
    "depth_top_m",
    "depth_bottom_m",
    "value",
    "limit_value",
    "message",
    "raised_at",
    "updated_at",
    "acknowledged_by",
    "acknowledged_at",
    "resolved_by",
    "resolved_at",
    "comment",
    "escalated_at",
    "recovered_at",
    "rules_digest",
    "pile_revision",
)
UPDATABLE = frozenset(_FIELDS) - {"site_id", "raised_at"}


@dataclass(frozen=True, slots=True)
class AlertChange:
    """One change to one alert: what happened, the feed event it produced, the alert after."""

    alert_id: int
    event_id: int
    action: str
    alert: dict[str, Any]


def finite(value: object) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"alert value {value!r} is not a number")
    f = float(value)
    return f if math.isfinite(f) else None


def _ts(value: object) -> str | None:
    return value.isoformat() if isinstance(value, datetime) else None


def alert_json(row: Mapping[str, Any]) -> dict[str, Any]:
    """Contract §3 alert fields (``site``, ``rig``, ``pile``, ``limit``…) plus extras."""
    return {
        "id": row["id"],
        "site": row["site_id"],
        "rig": row["rig_id"],
        "pile": row["pile_id"],
        "rule": row["rule"],
        "severity": row["severity"],
        "state": row["state"],
        "depth_top_m": row["depth_top_m"],
        "depth_bottom_m": row["depth_bottom_m"],
        "value": row["value"],
        "limit": row["limit_value"],
        "message": row["message"],
        "raised_at": _ts(row["raised_at"]),
        "updated_at": _ts(row["updated_at"]),
        "acknowledged_by": row["acknowledged_by"],
        "acknowledged_at": _ts(row["acknowledged_at"]),
        "resolved_by": row["resolved_by"],
        "resolved_at": _ts(row["resolved_at"]),
        "comment": row["comment"],
        "escalated_at": _ts(row["escalated_at"]),
        "recovered_at": _ts(row["recovered_at"]),
        "rules_digest": row["rules_digest"],
        "pile_revision": row["pile_revision"],
    }


def _record(
    conn: Conn,
    row: Row,
    action: str,
    actor: str,
    from_state: str | None,
    comment: str | None,
    now: datetime,
) -> AlertChange:
    snapshot = alert_json(row)
    conn.execute(
        "INSERT INTO alert_history"
        " (alert_id, at, actor, action, from_state, to_state, comment, snapshot)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
        (row["id"], now, actor, action, from_state, row["state"], comment, json.dumps(snapshot)),
    )
    payload = {**snapshot, "action": action, "actor": actor}
    event = conn.execute(
        "INSERT INTO alert_events (alert_id, at, payload) VALUES (%s, %s, %s) RETURNING id",
        (row["id"], now, json.dumps(payload)),
    ).fetchone()
    assert event is not None
    event_id = int(event["id"])
    conn.execute("SELECT pg_notify(%s, %s)", (CHANNEL, str(event_id)))
    return AlertChange(int(row["id"]), event_id, action, {**payload, "event_id": event_id})


def insert_alert(conn: Conn, values: Mapping[str, Any], actor: str, now: datetime) -> AlertChange:
    unknown = set(values) - set(_FIELDS)
    if unknown:
        raise ValueError(f"unknown alert fields {sorted(unknown)}")
    data = {"state": "open", "raised_at": now, "updated_at": now, **values}
    data["value"] = finite(data.get("value"))
    data["limit_value"] = finite(data.get("limit_value"))
    cols = list(data)
    row = conn.execute(
        f"INSERT INTO alerts ({', '.join(cols)}) VALUES ({', '.join(['%s'] * len(cols))})"
        " RETURNING *",
        [data[c] for c in cols],
    ).fetchone()
    assert row is not None
    return _record(conn, row, "raised", actor, None, None, now)


def update_alert(
    conn: Conn,
    before: Mapping[str, Any],
    changes: Mapping[str, Any],
    action: str,
    actor: str,
    now: datetime,
    comment: str | None = None,
) -> AlertChange:
    bad = set(changes) - UPDATABLE
    if bad:
        raise ValueError(f"alert fields {sorted(bad)} cannot be updated")
    data = {**changes, "updated_at": now}
    for key in ("value", "limit_value"):
        if key in data:
            data[key] = finite(data[key])
    sets = ", ".join(f"{k} = %s" for k in data)
    row = conn.execute(
        f"UPDATE alerts SET {sets} WHERE id = %s RETURNING *", [*data.values(), before["id"]]
    ).fetchone()
    if row is None:
        raise LookupError(f"alert {before['id']} does not exist")
    return _record(conn, row, action, actor, str(before["state"]), comment, now)


def get_alert(conn: Conn, alert_id: int, *, for_update: bool = False) -> Row | None:
    lock = " FOR UPDATE" if for_update else ""
    row: Row | None = conn.execute(
        f"SELECT * FROM alerts WHERE id = %s{lock}", (alert_id,)
    ).fetchone()
    return row
