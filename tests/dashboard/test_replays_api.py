"""The replays API the Replay page uses: a scenario run against a real broker."""

from __future__ import annotations

import time
from pathlib import Path

import httpx

from runtime.settings import get_settings
from tests.conftest import BrokerInfo
from tests.dashboard import seed
from tests.dashboard.conftest import serve


def test_scenario_run_publishes_and_loads_its_plan(
    database_url: str, broker: BrokerInfo, tmp_path: Path
) -> None:
    settings = get_settings(
        database_url=database_url,
        mqtt_url=broker.url,
        mqtt_protocol=broker.protocol,
        state_dir=tmp_path / "state",
    )
    (tmp_path / "state" / "recordings").mkdir(parents=True)
    (tmp_path / "state" / "recordings" / "shift.jsonl").write_text("", encoding="utf-8")
    url, server, thread = serve(settings)
    engineer = {"Authorization": f"Bearer {seed.token(database_url, 'engineer')}"}
    supervisor = {"Authorization": f"Bearer {seed.token(database_url, 'supervisor')}"}
    try:
        with httpx.Client(base_url=url, timeout=10) as http:
            assert http.get("/api/v1/replays", headers=supervisor).status_code == 403
            catalogue = http.get("/api/v1/replays", headers=engineer).json()
            assert "mixed" in catalogue["scenarios"]
            assert catalogue["recordings"] == ["shift.jsonl"]
            bad = http.post("/api/v1/replays", json={"scenario": "nope"}, headers=engineer)
            assert bad.status_code == 404
            both = {"scenario": "normal", "recording": "shift.jsonl"}
            assert http.post("/api/v1/replays", json=both, headers=engineer).status_code == 422
            body = {"scenario": "normal", "site": "DEMO", "rigs": 1, "piles": 1, "speed": 5000}
            started = http.post("/api/v1/replays", json=body, headers=engineer)
            assert started.status_code == 202, started.text
            run_id = started.json()["id"]
            deadline = time.monotonic() + 60
            while True:
                run = http.get(f"/api/v1/replays/{run_id}", headers=engineer).json()
                if run["state"] != "running" or time.monotonic() > deadline:
                    break
                time.sleep(0.2)
            assert run["state"] == "finished", run
            assert run["detail"] and run["started_by"].startswith("engineer")
        with seed.connect(database_url) as conn:
            row = conn.execute(
                "SELECT count(*) AS n FROM planned_piles WHERE site_id = 'DEMO'"
            ).fetchone()
        assert row is not None and row["n"] == 1
    finally:
        server.should_exit = True
        thread.join(10)
