"""Alerts over HTTP: list, one alert, history, ack / resolve with roles, SSE (live and
resumed) against a real uvicorn server, and webhooks management."""

from __future__ import annotations

import json
import queue
import threading
from typing import Any

import httpx

from alerts import feed
from alerts.engine import apply_evaluation
from alerts.rulebook import Rulebook
from storage.db import connect
from tests.alerts.builders import at, evaluated, finding
from tests.api.conftest import bearer

BOOK = Rulebook()


def raise_alerts(url: str, findings: list[dict[str, Any]], **kw: Any) -> list[int]:
    with connect(url) as conn:
        changes = apply_evaluation(conn, evaluated(findings, **kw), BOOK, at(0))
    return [c.alert_id for c in changes]


def test_list_filters_and_cursor(client, database_url, auth):
    raise_alerts(database_url, [finding(), finding("pressure", 3, 4, 0.2, 0.4, "warning")],
                 final=True)  # fmt: skip
    raise_alerts(database_url, [finding()], site="S2", pile="Q-1", rig="R9", final=True)
    body = client.get("/api/v1/alerts", headers=auth).json()
    assert len(body["items"]) == 3 and body["next"] is None
    first = body["items"][-1]
    for key in ("id", "site", "rig", "pile", "rule", "severity", "state", "depth_top_m",
                "depth_bottom_m", "value", "limit", "message", "raised_at"):  # fmt: skip
        assert key in first
    assert first["limit"] == 41.25 and first["state"] == "open"
    assert len(client.get("/api/v1/alerts?site=S2", headers=auth).json()["items"]) == 1
    assert len(client.get("/api/v1/alerts?rig=R9", headers=auth).json()["items"]) == 1
    assert len(client.get("/api/v1/alerts?severity=warning", headers=auth).json()["items"]) == 1
    assert len(client.get("/api/v1/alerts?pile=P-1&state=open", headers=auth).json()["items"]) == 2
    page = client.get("/api/v1/alerts?limit=2", headers=auth).json()
    assert len(page["items"]) == 2 and page["next"]
    rest = client.get(f"/api/v1/alerts?limit=2&cursor={page['next']}", headers=auth).json()
    ids = [a["id"] for a in page["items"] + rest["items"]]
    assert len(set(ids)) == 3 and rest["next"] is None
    assert client.get("/api/v1/alerts?cursor=zz", headers=auth).status_code == 422
    assert client.get("/api/v1/alerts?severity=fatal", headers=auth).status_code == 422


def test_roles(client, database_url, tokens):
    (alert_id,) = raise_alerts(database_url, [finding()], final=True)
    assert client.get("/api/v1/alerts").status_code == 401
    for role in ("engineer", "supervisor", "integrity", "admin"):
        assert client.get("/api/v1/alerts", headers=bearer(tokens[role])).status_code == 200
    for role in ("engineer", "integrity"):
        r = client.post(f"/api/v1/alerts/{alert_id}/ack", headers=bearer(tokens[role]))
        assert r.status_code == 403
    assert client.get("/api/v1/webhooks", headers=bearer(tokens["supervisor"])).status_code == 403


def test_ack_resolve_history_and_conflicts(client, database_url, tokens):
    (alert_id,) = raise_alerts(database_url, [finding()], final=True)
    sup = bearer(tokens["supervisor"])
    r = client.post(f"/api/v1/alerts/{alert_id}/ack", headers=sup, json={"comment": "on it"})
    assert r.status_code == 200
    body = r.json()
    assert body["state"] == "acknowledged" and body["acknowledged_by"] == "test-supervisor"
    assert body["acknowledged_at"] and body["comment"] == "on it"
    again = client.post(f"/api/v1/alerts/{alert_id}/ack", headers=sup)
    assert again.status_code == 409 and again.json()["detail"]["state"] == "acknowledged"
    r = client.post(f"/api/v1/alerts/{alert_id}/resolve", headers=bearer(tokens["admin"]))
    assert r.status_code == 200
    assert r.json()["resolved_by"] == "test-admin" and r.json()["state"] == "resolved"
    gone = client.post(f"/api/v1/alerts/{alert_id}/resolve", headers=sup, json={})
    assert gone.status_code == 409 and gone.json()["detail"]["state"] == "resolved"
    assert client.post("/api/v1/alerts/999999/ack", headers=sup).status_code == 404
    history = client.get(f"/api/v1/alerts/{alert_id}/history", headers=sup).json()
    assert [(h["action"], h["from_state"], h["to_state"], h["actor"]) for h in history] == [
        ("raised", None, "open", "system"),
        ("acknowledged", "open", "acknowledged", "test-supervisor"),
        ("resolved", "acknowledged", "resolved", "test-admin"),
    ]
    assert history[1]["comment"] == "on it"
    assert history[2]["snapshot"]["state"] == "resolved"
    one = client.get(f"/api/v1/alerts/{alert_id}", headers=sup).json()
    assert one["state"] == "resolved"
    assert client.get("/api/v1/alerts/999999", headers=sup).status_code == 404
    # open → resolved directly is allowed
    (other,) = raise_alerts(database_url, [finding(top=5.0, bottom=5.5)], final=True)
    assert client.post(f"/api/v1/alerts/{other}/resolve", headers=sup).status_code == 200


def test_webhooks_management(client, tokens):
    admin = bearer(tokens["admin"])
    hook_in = {"url": "http://127.0.0.1:9/hook", "min_severity": "critical"}
    r = client.post("/api/v1/webhooks", headers=admin, json=hook_in)
    assert r.status_code == 201
    hook = r.json()
    assert hook["secret"] and hook["created_by"] == "test-admin"
    listed = client.get("/api/v1/webhooks", headers=admin).json()
    assert [h["id"] for h in listed] == [hook["id"]] and listed[0]["secret"] is None
    bad = client.post("/api/v1/webhooks", headers=admin, json={"url": "ftp://x"})
    assert bad.status_code == 422
    assert client.delete(f"/api/v1/webhooks/{hook['id']}", headers=admin).status_code == 200
    assert client.get("/api/v1/webhooks", headers=admin).json() == []
    assert client.delete(f"/api/v1/webhooks/{hook['id']}", headers=admin).status_code == 404


class SseClient:
    """Reads an SSE stream in a thread; `events` gets (id, data dict) and heartbeats."""

    def __init__(self, url: str, headers: dict[str, str]) -> None:
        self.events: queue.Queue[tuple[str, Any]] = queue.Queue()
        self.client = httpx.Client(timeout=httpx.Timeout(30.0, read=None))
        self.connected = threading.Event()
        self.thread = threading.Thread(target=self._run, args=(url, headers), daemon=True)
        self.thread.start()
        assert self.connected.wait(10), "stream did not connect"

    def _run(self, url: str, headers: dict[str, str]) -> None:
        try:
            with self.client.stream("GET", url, headers=headers) as response:
                self.events.put(("status", response.status_code))
                event_id = None
                for line in response.iter_lines():
                    if line.startswith(": connected"):
                        self.connected.set()
                    elif line.startswith(": heartbeat"):
                        self.events.put(("heartbeat", None))
                    elif line.startswith("id: "):
                        event_id = int(line[4:])
                    elif line.startswith("data: "):
                        self.events.put(("event", (event_id, json.loads(line[6:]))))
        except httpx.HTTPError:
            pass
        finally:
            self.connected.set()

    def next_event(self, kind: str = "event", timeout: float = 10.0) -> Any:
        while True:
            got, value = self.events.get(timeout=timeout)
            if got == kind:
                return value

    def close(self) -> None:
        self.client.close()


def test_sse_live_in_order_and_resume(server, database_url, tokens, monkeypatch):
    monkeypatch.setattr(feed, "HEARTBEAT_S", 0.5)
    headers = bearer(tokens["engineer"])
    sse = SseClient(f"{server}/api/v1/alerts/stream", headers)
    try:
        assert sse.next_event("status") == 200
        # raised while the client is connected: arrives live, in order
        raise_alerts(database_url, [finding(top=1.0, bottom=1.5)], final=True)
        raise_alerts(database_url, [finding("pressure", 3, 4, 0.2, 0.4, "warning")])
        first = sse.next_event()
        second = sse.next_event()
        assert first[1]["rule"] == "bin_cement" and first[1]["action"] == "raised"
        assert second[1]["rule"] == "pressure" and second[0] > first[0]
        for key in ("id", "site", "rig", "pile", "severity", "state", "limit", "raised_at"):
            assert key in first[1]
        with connect(database_url) as conn:
            from alerts.lifecycle import acknowledge

            acknowledge(conn, first[1]["id"], "sup", "seen")
        third = sse.next_event()
        assert third[1]["action"] == "acknowledged" and third[0] > second[0]
        assert sse.next_event("heartbeat", timeout=5) is None
    finally:
        sse.close()
    # resume after the first event: the two later ones are replayed, in order
    resumed = SseClient(
        f"{server}/api/v1/alerts/stream", {**headers, "Last-Event-ID": str(first[0])}
    )
    try:
        assert [resumed.next_event()[0] for _ in range(2)] == [second[0], third[0]]
    finally:
        resumed.close()
    # filters: only critical alerts of site S1
    flt = SseClient(f"{server}/api/v1/alerts/stream?site=S1&severity=critical",
                    {**headers, "Last-Event-ID": "0"})  # fmt: skip
    try:
        got = flt.next_event()
        assert got[0] == first[0]
        assert flt.next_event()[0] == third[0]  # the ack of the critical one; pressure skipped
    finally:
        flt.close()


def test_sse_rejects_bad_last_event_id_and_needs_a_token(server, tokens):
    r = httpx.get(f"{server}/api/v1/alerts/stream")
    assert r.status_code == 401
    r = httpx.get(
        f"{server}/api/v1/alerts/stream",
        headers={**bearer(tokens["engineer"]), "Last-Event-ID": "abc"},
    )
    assert r.status_code == 422
