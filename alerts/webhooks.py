"""Webhook delivery: every alert change (``alert_events``) to every active webhook whose
site and minimum severity admit it, with retries and exponential backoff, every attempt
recorded in ``webhook_deliveries``.

Request: ``POST`` of the JSON body ``{"event_id", "sent_at", "alert"}`` with headers
``X-Pilewatch-Event: <event id>``, ``X-Pilewatch-Timestamp: <unix seconds>`` (equal to
``sent_at``) and ``X-Pilewatch-Signature: sha256=<hex HMAC-SHA256 of the raw body with the
webhook's secret>``. The timestamp is inside the signed body, so a receiver checks the
signature, then that the timestamp is recent, and drops event ids it has already seen
(a delivery whose answer was lost is sent again). Any 2xx answer is a delivery.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from alerts.store import CHANNEL, Conn
from storage.db import connect

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Pilewatch-Signature"
TIMESTAMP_HEADER = "X-Pilewatch-Timestamp"
EVENT_HEADER = "X-Pilewatch-Event"


@dataclass(frozen=True, slots=True)
class DeliveryConfig:
    timeout_s: float = 5.0
    max_attempts: int = 8
    base_delay_s: float = 2.0
    max_delay_s: float = 600.0
    batch: int = 100

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError(f"max_attempts = {self.max_attempts!r}: must be ≥ 1")
        if not self.base_delay_s >= 0 or not self.max_delay_s >= self.base_delay_s:
            raise ValueError(
                f"base_delay_s, max_delay_s = {(self.base_delay_s, self.max_delay_s)!r}:"
                " need 0 ≤ base ≤ max"
            )

    def delay_s(self, attempt: int) -> float:
        """Wait after failed attempt number ``attempt`` (1-based): base · 2^(attempt−1)."""
        return float(min(self.max_delay_s, self.base_delay_s * 2 ** (attempt - 1)))


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def verify(secret: str, body: bytes, header: str) -> bool:
    return hmac.compare_digest(sign(secret, body), header)


def build_request(
    event_id: int, payload: dict[str, Any], secret: str, now: datetime
) -> tuple[bytes, dict[str, str]]:
    ts = int(now.timestamp())
    body = json.dumps(
        {"event_id": event_id, "sent_at": ts, "alert": payload},
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode("utf-8")
    headers = {
        "Content-Type": "application/json",
        EVENT_HEADER: str(event_id),
        TIMESTAMP_HEADER: str(ts),
        SIGNATURE_HEADER: sign(secret, body),
        "User-Agent": "pilewatch-webhooks/1",
    }
    return body, headers


_DUE = """
SELECT w.id AS webhook_id, w.url, w.secret, e.id AS event_id, e.payload,
       coalesce(d.attempts, 0) AS attempts
FROM webhooks w
JOIN alert_events e ON e.id > w.start_event_id
LEFT JOIN LATERAL (
    -- next_attempt_at grows with each failed attempt, so the latest is the max
    SELECT count(*) AS attempts, bool_or(delivered) AS delivered, max(next_attempt_at) AS next_at
    FROM webhook_deliveries x WHERE x.webhook_id = w.id AND x.event_id = e.id
) d ON true
WHERE w.active
  AND (w.site_id IS NULL OR e.payload->>'site' = w.site_id)
  AND CASE e.payload->>'severity' WHEN 'critical' THEN 2 WHEN 'warning' THEN 1 ELSE 0 END
      >= CASE w.min_severity WHEN 'critical' THEN 2 WHEN 'warning' THEN 1 ELSE 0 END
  AND NOT coalesce(d.delivered, false)
  AND coalesce(d.attempts, 0) < %(max_attempts)s
  AND (d.attempts IS NULL OR d.attempts = 0 OR d.next_at <= %(now)s)
ORDER BY w.id, e.id
LIMIT %(batch)s
"""


def deliver_due(
    conn: Conn, client: httpx.Client, config: DeliveryConfig, now: datetime | None = None
) -> int:
    """One pass: try every delivery that is due; returns the number of attempts made."""
    when = now or datetime.now(UTC)
    due = conn.execute(
        _DUE, {"max_attempts": config.max_attempts, "now": when, "batch": config.batch}
    ).fetchall()
    for row in due:
        attempt = int(row["attempts"]) + 1
        body, headers = build_request(int(row["event_id"]), row["payload"], row["secret"], when)
        status_code: int | None = None
        error: str | None = None
        try:
            response = client.post(row["url"], content=body, headers=headers)
            status_code = response.status_code
            if not 200 <= status_code < 300:
                error = f"HTTP {status_code}: {response.text[:200]}"
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"[:500]
        delivered = error is None
        retry = not delivered and attempt < config.max_attempts
        next_at = when + timedelta(seconds=config.delay_s(attempt)) if retry else None
        conn.execute(
            "INSERT INTO webhook_deliveries (webhook_id, event_id, attempt, status_code, error,"
            " at, next_attempt_at, delivered) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
            (row["webhook_id"], row["event_id"], attempt, status_code, error, when, next_at,
             delivered),
        )  # fmt: skip
        if not delivered:
            log.warning(
                "webhook %s event %s attempt %d failed: %s",
                row["webhook_id"],
                row["event_id"],
                attempt,
                error,
            )
    return len(due)


def run_worker(
    database_url: str,
    stop: threading.Event,
    config: DeliveryConfig = DeliveryConfig(),
    *,
    poll_s: float = 1.0,
) -> None:
    """Deliver until ``stop`` is set: woken by NOTIFY on new events, else every ``poll_s``
    (retries fall due with time)."""
    with (
        connect(database_url) as conn,
        connect(database_url) as listener,
        httpx.Client(timeout=config.timeout_s) as client,
    ):
        listener.execute(f"LISTEN {CHANNEL}")
        while not stop.is_set():
            try:
                made = deliver_due(conn, client, config)
            except Exception:  # keep delivering after a database hiccup
                log.exception("webhook delivery pass failed")
                made = 0
                time.sleep(poll_s)
            if made == 0 and not stop.is_set():
                for _ in listener.notifies(timeout=poll_s, stop_after=1):
                    pass
