"""`pilewatch up` with nothing configured: embedded database, a broker for the run, every
service, simulated rigs; samples flow within a minute; Ctrl-C stops it all cleanly."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

import httpx
import psycopg
import pytest

from tests.runtime.up_process import read_banner, start_up


@pytest.mark.timeout(240)
def test_up_brings_the_system_up_and_ctrl_c_stops_it(tmp_path: Path) -> None:
    process = start_up(tmp_path / "state")
    try:
        banner = read_banner(process, 120)
        database_url = banner["database"]
        api = banner["api"].removesuffix("/docs")
        deadline = time.monotonic() + 60
        samples = 0
        while time.monotonic() < deadline and samples == 0:
            with psycopg.connect(database_url) as conn:
                row = conn.execute("SELECT count(*) FROM telemetry").fetchone()
            samples = int(row[0]) if row else 0
            time.sleep(1)
        assert samples > 0, "no samples stored within a minute"
        health = httpx.get(f"{api}/api/v1/health", timeout=10).json()
        assert health["status"] == "ok", health
        me = httpx.get(
            f"{api}/api/v1/me", headers={"Authorization": f"Bearer {banner['token']}"}, timeout=10
        )
        assert me.status_code == 200 and me.json()["role"] == "admin"
        dashboard = httpx.get(banner["dashboard"], timeout=30)
        assert dashboard.status_code == 200
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            process.kill()
            raise
    assert process.returncode == 0
    leftovers = subprocess.run(
        ["pgrep", "-f", str(tmp_path / "state")], capture_output=True, text=True, check=False
    )
    assert leftovers.stdout.strip() == "", f"processes left running: {leftovers.stdout}"
