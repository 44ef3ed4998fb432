"""A real API (uvicorn in a thread, `api.app.create_app`) over a seeded database, and a
helper that runs the dashboard with Streamlit's AppTest signed in with a role's token."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from streamlit.testing.v1 import AppTest

from runtime.ports import free_port
from runtime.settings import Settings, get_settings
from tests.dashboard import seed

APP = Path(__file__).resolve().parents[2] / "dashboard" / "app.py"


@dataclass
class Api:
    url: str
    settings: Settings
    database_url: str
    site: dict[str, Any]

    def token(self, role: str) -> str:
        return seed.token(self.database_url, role, f"{role}-{time.monotonic_ns()}")


def serve(settings: Settings) -> tuple[str, uvicorn.Server, threading.Thread]:
    from api.app import create_app

    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, name="test-api", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the API did not start")
        time.sleep(0.02)
    return f"http://127.0.0.1:{port}", server, thread


@pytest.fixture
def api(database_url: str, tmp_path: Path) -> Iterator[Api]:
    site = seed.demo_site(database_url)
    settings = get_settings(database_url=database_url, state_dir=tmp_path / "state")
    url, server, thread = serve(settings)
    try:
        yield Api(url, settings, database_url, site)
    finally:
        server.should_exit = True
        thread.join(10)


def app_test(
    monkeypatch: pytest.MonkeyPatch, api: Api, role: str | None, lang: str = "zh"
) -> AppTest:
    """The dashboard, signed in through PILEWATCH_API_TOKEN (or at the login form)."""
    monkeypatch.setenv("PILEWATCH_API_URL", api.url)
    if role is None:
        monkeypatch.delenv("PILEWATCH_API_TOKEN", raising=False)
    else:
        monkeypatch.setenv("PILEWATCH_API_TOKEN", api.token(role))
    at = AppTest.from_file(str(APP), default_timeout=30)
    at.session_state["lang"] = lang
    return at


def texts(at: AppTest) -> str:
    """Every visible text of the run, for assertions."""
    parts: list[str] = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "exception"):
        parts += [str(e.value) for e in at.get(kind)]
    for alerts in (at.info, at.error, at.warning, at.success):
        parts += [str(e.value) for e in alerts]
    parts += [f"{m.label} {m.value}" for m in at.metric]
    parts += [str(b.label) for b in at.button]
    parts += [str(s.label) for s in at.selectbox]
    parts += [str(x.label) for x in at.expander]
    return "\n".join(parts)


def no_failures(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
