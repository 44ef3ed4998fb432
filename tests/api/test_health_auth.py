from __future__ import annotations

from fastapi.testclient import TestClient

from api.app import create_app
from runtime.settings import Settings
from tests.api.conftest import bearer


def test_health_without_token(client: TestClient) -> None:
    r = client.get("/api/v1/health")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ok"
    assert body["database"]["state"] == "ok"
    assert body["broker"]["state"] == "not configured"


def test_health_reports_broker(settings: Settings) -> None:
    with TestClient(create_app(settings)) as client:
        body = client.get("/api/v1/health").json()
    assert body["broker"]["state"] == "ok"


def test_health_broker_down(api_settings: Settings) -> None:
    down = api_settings.model_copy(update={"mqtt_url": "mqtt://127.0.0.1:1"})
    with TestClient(create_app(down)) as client:
        body = client.get("/api/v1/health").json()
    assert body["status"] == "ok"
    assert body["broker"]["state"] == "down"


def test_me(client: TestClient, tokens: dict[str, str]) -> None:
    r = client.get("/api/v1/me", headers=bearer(tokens["integrity"]))
    assert r.status_code == 200
    assert r.json() == {"name": "test-integrity", "role": "integrity"}


def test_missing_bad_and_revoked_tokens(client: TestClient, tokens: dict[str, str]) -> None:
    for headers in ({}, bearer("pw_nope"), bearer("garbage"), bearer(tokens["revoked"])):
        r = client.get("/api/v1/me", headers=headers)
        assert r.status_code == 401
        assert r.headers["www-authenticate"] == "Bearer"
        assert isinstance(r.json()["detail"], str)
