"""Webhook delivery against a real local HTTP receiver that fails twice, then succeeds."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from alerts.engine import apply_evaluation
from alerts.rulebook import Rulebook
from alerts.webhooks import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    DeliveryConfig,
    deliver_due,
    run_worker,
    sign,
    verify,
)
from storage.db import connect
from tests.alerts.builders import at, evaluated, finding

SECRET = "s3cret-s3cret-s3cret"


class Receiver:
    def __init__(self, fail_first: int) -> None:
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.fail_first = fail_first
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.requests.append((dict(self.headers), body))
                code = 500 if len(outer.requests) <= outer.fail_first else 204
                self.send_response(code)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    r = Receiver(fail_first=2)
    yield r
    r.close()


def add_webhook(url: str, hook_url: str, **kw) -> int:
    with connect(url) as conn:
        row = conn.execute(
            "INSERT INTO webhooks (url, secret, site_id, min_severity, created_by)"
            " VALUES (%s, %s, %s, %s, 'test') RETURNING id",
            (hook_url, SECRET, kw.get("site"), kw.get("min_severity", "warning")),
        ).fetchone()
    return int(row["id"])


def test_signature_known_answer():
    # HMAC-SHA256("key", "The quick brown fox jumps over the lazy dog")
    assert sign("key", b"The quick brown fox jumps over the lazy dog") == (
        "sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"
    )
    assert verify("key", b"x", sign("key", b"x")) and not verify("key", b"y", sign("key", b"x"))


def test_backoff_doubles_up_to_the_cap():
    cfg = DeliveryConfig(base_delay_s=2, max_delay_s=10)
    assert [cfg.delay_s(n) for n in (1, 2, 3, 4)] == [2, 4, 8, 10]
    with pytest.raises(ValueError, match="max_attempts"):
        DeliveryConfig(max_attempts=0)


def test_fails_twice_then_delivers_with_three_attempts_recorded(database_url, receiver):
    hook = add_webhook(database_url, receiver.url)
    add_webhook(database_url, receiver.url, site="other-site")  # never matches
    with connect(database_url) as conn:
        (change,) = apply_evaluation(conn, evaluated([finding()], final=True), Rulebook(), at(0))
    cfg = DeliveryConfig(base_delay_s=10, max_delay_s=60)
    with connect(database_url) as conn, httpx.Client(timeout=5) as client:
        assert deliver_due(conn, client, cfg, at(0)) == 1
        assert deliver_due(conn, client, cfg, at(0.1)) == 0  # backing off (10 s)
        assert deliver_due(conn, client, cfg, at(10 / 60 + 0.01)) == 1
        assert deliver_due(conn, client, cfg, at(0.3)) == 0  # second wait is 20 s
        assert deliver_due(conn, client, cfg, at(0.51)) == 1
        assert deliver_due(conn, client, cfg, at(10)) == 0  # delivered: done
        rows = conn.execute(
            "SELECT * FROM webhook_deliveries WHERE webhook_id = %s ORDER BY attempt", (hook,)
        ).fetchall()
    assert [(r["attempt"], r["status_code"], r["delivered"]) for r in rows] == [
        (1, 500, False),
        (2, 500, False),
        (3, 204, True),
    ]
    assert rows[0]["error"].startswith("HTTP 500") and rows[2]["error"] is None
    assert rows[0]["next_attempt_at"] == at(10 / 60) and rows[2]["next_attempt_at"] is None
    assert all(r["event_id"] == change.event_id for r in rows)
    assert len(receiver.requests) == 3
    headers, body = receiver.requests[-1]
    assert verify(SECRET, body, headers[SIGNATURE_HEADER])
    sent = json.loads(body)
    assert sent["event_id"] == change.event_id
    assert str(sent["sent_at"]) == headers[TIMESTAMP_HEADER]
    assert sent["alert"]["rule"] == "bin_cement" and sent["alert"]["action"] == "raised"


def test_unreachable_receiver_is_recorded_and_gives_up(database_url):
    add_webhook(database_url, "http://127.0.0.1:9/hook")
    with connect(database_url) as conn:
        apply_evaluation(conn, evaluated([finding()], final=True), Rulebook(), at(0))
    cfg = DeliveryConfig(max_attempts=2, base_delay_s=0, max_delay_s=0, timeout_s=1)
    with connect(database_url) as conn, httpx.Client(timeout=1) as client:
        assert deliver_due(conn, client, cfg, at(0)) == 1
        assert deliver_due(conn, client, cfg, at(0)) == 1
        assert deliver_due(conn, client, cfg, at(1)) == 0
        rows = conn.execute("SELECT * FROM webhook_deliveries ORDER BY attempt").fetchall()
    assert [r["delivered"] for r in rows] == [False, False]
    assert rows[0]["status_code"] is None and "Connect" in rows[0]["error"]
    assert rows[1]["next_attempt_at"] is None


def test_min_severity_filter(database_url, receiver):
    receiver.fail_first = 0
    add_webhook(database_url, receiver.url, min_severity="critical")
    with connect(database_url) as conn:
        apply_evaluation(
            conn,
            evaluated([finding("pressure", 1, 2, severity="warning")], final=True),
            Rulebook(),
            at(0),
        )
        with httpx.Client() as client:
            assert deliver_due(conn, client, DeliveryConfig(), at(0)) == 0


def test_worker_thread_delivers_with_real_backoff(database_url, receiver):
    add_webhook(database_url, receiver.url)
    stop = threading.Event()
    cfg = DeliveryConfig(base_delay_s=0.1, max_delay_s=0.2)
    worker = threading.Thread(
        target=run_worker, args=(database_url, stop, cfg), kwargs={"poll_s": 0.05}
    )
    worker.start()
    try:
        with connect(database_url) as conn:
            apply_evaluation(conn, evaluated([finding()], final=True), Rulebook(), at(0))
        deadline = time.monotonic() + 10
        while len(receiver.requests) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop.set()
        worker.join(10)
    assert len(receiver.requests) == 3
    with connect(database_url) as conn:
        rows = conn.execute("SELECT delivered FROM webhook_deliveries ORDER BY id").fetchall()
    assert [r["delivered"] for r in rows] == [False, False, True]
