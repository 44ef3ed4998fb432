"""Hourly activity of a rig, from `rig_activity_hourly` (a TimescaleDB continuous aggregate,
or a plain view on PostgreSQL)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from api.services.errors import InvalidInputError
from api.services.sites import Conn, get_rig

MAX_SPAN = timedelta(days=92)


def rig_activity(
    conn: Conn, rig: str, since: datetime | None, until: datetime | None
) -> dict[str, Any]:
    get_rig(conn, rig)  # 404 for an unknown rig
    end = until or datetime.now().astimezone()
    start = since or end - timedelta(days=1)
    if start.tzinfo is None or end.tzinfo is None:
        raise InvalidInputError("since and until need a time zone, e.g. 2026-11-22T00:00:00Z")
    if start >= end:
        raise InvalidInputError(f"since {start.isoformat()} is not before until {end.isoformat()}")
    if end - start > MAX_SPAN:
        raise InvalidInputError(f"at most {MAX_SPAN.days} days at once, asked {end - start}")
    rows = conn.execute(
        "SELECT hour, site_id AS site, samples, mean_flow_l_min, max_depth_m, first_t, last_t"
        " FROM rig_activity_hourly WHERE rig_id = %s"
        " AND hour >= date_trunc('hour', %s::timestamptz) AND hour < %s ORDER BY hour",
        (rig, start, end),
    ).fetchall()
    return {"rig": rig, "since": start, "until": end, "hours": rows}
