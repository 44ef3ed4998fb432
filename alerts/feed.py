"""Reading alerts: filtered lists with a keyset cursor, history, and the ordered change feed
(``alert_events``) as server-sent events.

Order of the feed: event ids come from a sequence, so a transaction that took id 10 may
commit after the one that took id 11. The stream therefore delivers ids in order and, when
it meets a hole, waits up to ``gap_wait_s`` for it to fill (a transaction still committing)
before passing over it (a rolled-back transaction leaves a hole for good).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg.rows import dict_row

from alerts.rules import SEVERITIES
from alerts.store import CHANNEL, Conn, alert_json

STATES = ("open", "acknowledged", "resolved")
HEARTBEAT_S = 15.0
GAP_WAIT_S = 5.0
BATCH = 500


class FeedError(ValueError):
    def __init__(self, name: str, value: object, reason: str) -> None:
        self.name = name
        self.value = value
        super().__init__(f"{name} = {value!r}: {reason}")


def parse_cursor(cursor: str | None) -> int | None:
    if cursor is None or cursor == "":
        return None
    if not cursor.isdigit() or len(cursor) > 18:
        raise FeedError("cursor", cursor, "is not one this API returned")
    return int(cursor)


def parse_event_id(value: str | None) -> int | None:
    if value is None or value.strip() == "":
        return None
    text = value.strip()
    if not text.isdigit() or len(text) > 18:
        raise FeedError("Last-Event-ID", value, "must be an event id this stream sent")
    return int(text)


def list_alerts(
    conn: Conn,
    *,
    site: str | None = None,
    pile: str | None = None,
    state: str | None = None,
    severity: str | None = None,
    rig: str | None = None,
    rule: str | None = None,
    limit: int = 100,
    cursor: str | None = None,
) -> tuple[list[dict[str, Any]], str | None]:
    """Newest first; ``next`` is the cursor of the following page or None."""
    if state is not None and state not in STATES:
        raise FeedError("state", state, f"must be one of {list(STATES)}")
    if severity is not None and severity not in SEVERITIES:
        raise FeedError("severity", severity, f"must be one of {list(SEVERITIES)}")
    if not 1 <= limit <= 1000:
        raise FeedError("limit", limit, "must be 1–1000")
    where: list[str] = []
    args: list[Any] = []
    for column, value in (
        ("site_id", site),
        ("pile_id", pile),
        ("state", state),
        ("severity", severity),
        ("rig_id", rig),
        ("rule", rule),
    ):
        if value is not None:
            where.append(f"{column} = %s")
            args.append(value)
    before = parse_cursor(cursor)
    if before is not None:
        where.append("id < %s")
        args.append(before)
    sql = "SELECT * FROM alerts"
    if where:
        sql += " WHERE " + " AND ".join(where)
    rows = conn.execute(sql + " ORDER BY id DESC LIMIT %s", [*args, limit + 1]).fetchall()
    items = [alert_json(r) for r in rows[:limit]]
    nxt = str(items[-1]["id"]) if len(rows) > limit else None
    return items, nxt


def get_alert_json(conn: Conn, alert_id: int) -> dict[str, Any] | None:
    row = conn.execute("SELECT * FROM alerts WHERE id = %s", (alert_id,)).fetchone()
    return alert_json(row) if row is not None else None


def alert_history(conn: Conn, alert_id: int) -> list[dict[str, Any]]:
    rows = conn.execute(
        "SELECT id, at, actor, action, from_state, to_state, comment, snapshot"
        " FROM alert_history WHERE alert_id = %s ORDER BY id",
        (alert_id,),
    ).fetchall()
    return [{**r, "at": r["at"].isoformat()} for r in rows]


@dataclass(frozen=True, slots=True)
class StreamFilter:
    site: str | None = None
    severities: frozenset[str] | None = None

    def admits(self, payload: dict[str, Any]) -> bool:
        if self.site is not None and payload.get("site") != self.site:
            return False
        return self.severities is None or payload.get("severity") in self.severities


def severity_set(value: str | None) -> frozenset[str] | None:
    """``severity=`` of the stream: one severity or a comma-separated list."""
    if value is None or value == "":
        return None
    items = frozenset(v.strip() for v in value.split(","))
    bad = sorted(items - set(SEVERITIES))
    if bad:
        raise FeedError("severity", value, f"must be among {list(SEVERITIES)}")
    return items


def sse_event(event_id: int, payload: dict[str, Any]) -> str:
    data = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return f"id: {event_id}\ndata: {data}\n\n"


class _Reader:
    """Delivers event ids in order, waiting a while at holes (see module doc)."""

    def __init__(self, after: int, gap_wait_s: float) -> None:
        self.after = after
        self.gap_wait_s = gap_wait_s
        self.gap_since: float | None = None

    def take(self, rows: Iterable[dict[str, Any]]) -> tuple[list[dict[str, Any]], bool]:
        """Rows that may go out now, and whether a hole holds the rest back."""
        out: list[dict[str, Any]] = []
        for row in rows:
            rid = int(row["id"])
            if rid != self.after + 1:
                now = time.monotonic()
                if self.gap_since is None:
                    self.gap_since = now
                if now - self.gap_since < self.gap_wait_s:
                    return out, True
            self.gap_since = None
            self.after = rid
            out.append(row)
        return out, False


async def stream_events(
    database_url: str,
    flt: StreamFilter,
    last_event_id: int | None,
    *,
    heartbeat_s: float | None = None,
    gap_wait_s: float | None = None,
) -> AsyncIterator[str]:
    """SSE text: replay after ``last_event_id`` (from now when None), then live changes via
    LISTEN on a dedicated connection, and a heartbeat comment every ``heartbeat_s``
    (default ``HEARTBEAT_S``)."""
    heartbeat_s = HEARTBEAT_S if heartbeat_s is None else heartbeat_s
    gap_wait_s = GAP_WAIT_S if gap_wait_s is None else gap_wait_s
    aconn = await psycopg.AsyncConnection.connect(
        database_url, autocommit=True, row_factory=dict_row
    )
    try:
        await aconn.execute(f"LISTEN {CHANNEL}")
        if last_event_id is None:
            cur = await aconn.execute("SELECT coalesce(max(id), 0) AS id FROM alert_events")
            row = await cur.fetchone()
            last_event_id = int(row["id"]) if row else 0
        reader = _Reader(last_event_id, gap_wait_s)
        yield ": connected\n\n"
        last_sent = time.monotonic()
        while True:
            held = True
            while held:
                cur = await aconn.execute(
                    "SELECT id, payload FROM alert_events WHERE id > %s ORDER BY id LIMIT %s",
                    (reader.after, BATCH),
                )
                rows = await cur.fetchall()
                ready, held = reader.take(rows)
                for r in ready:
                    if flt.admits(r["payload"]):
                        yield sse_event(int(r["id"]), r["payload"])
                        last_sent = time.monotonic()
                if held:
                    await asyncio.sleep(0.2)
                elif len(rows) == BATCH:
                    held = True  # more to replay
            wait = max(0.05, heartbeat_s - (time.monotonic() - last_sent))
            got = 0
            async for _ in aconn.notifies(timeout=wait, stop_after=1):
                got += 1
            if not got and time.monotonic() - last_sent >= heartbeat_s - 0.01:
                yield ": heartbeat\n\n"
                last_sent = time.monotonic()
    finally:
        await aconn.close()
