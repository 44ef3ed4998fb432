"""An app on the test's own migrated database, and tokens for every role."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
import uvicorn
from fastapi.testclient import TestClient

from api.app import create_app
from api.auth import ROLES, create_token
from runtime.ports import free_port, wait_for_port
from runtime.settings import Settings, get_settings
from storage.db import connect


@pytest.fixture
def api_settings(database_url: str) -> Settings:
    # No broker: health reports "not configured"; tests needing one use `settings`.
    return get_settings(database_url=database_url, mqtt_url=None)


@pytest.fixture
def client(api_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(api_settings)) as test_client:
        yield test_client


@pytest.fixture
def tokens(database_url: str) -> dict[str, str]:
    """role → secret, plus "revoked" (a supervisor token that was revoked)."""
    out: dict[str, str] = {}
    with connect(database_url) as conn:
        for role in ROLES:
            out[role] = create_token(conn, f"test-{role}", role)[1]
        info, secret = create_token(conn, "test-revoked", "supervisor")
        conn.execute("UPDATE api_tokens SET revoked_at = now() WHERE id = %s", (info.id,))
        out["revoked"] = secret
    return out


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def auth(tokens: dict[str, str]) -> dict[str, str]:
    """Headers of an engineer token, for tests about data rather than roles."""
    return bearer(tokens["engineer"])


@pytest.fixture
def server(api_settings: Settings) -> Iterator[str]:
    """The app served by a real uvicorn on a free port, in a thread."""
    port = free_port()
    config = uvicorn.Config(
        create_app(api_settings), host="127.0.0.1", port=port, log_level="warning",
        timeout_graceful_shutdown=1,
    )  # fmt: skip
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    wait_for_port("127.0.0.1", port)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        thread.join(10)
