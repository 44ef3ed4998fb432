from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

from alerts.service import run_ticker
from tests.alerts.builders import alerts_of, seed_pile


def test_ticker_raises_rig_silent_with_a_rules_file(database_url, tmp_path):
    ago = datetime.now(UTC) - timedelta(minutes=3)
    seed_pile(database_url, last_sample_t=ago, rig_last_seen=ago)
    rules = tmp_path / "rules.toml"
    rules.write_text("[rules.rig_silent]\nafter_min = 2\n")
    stop = threading.Event()
    thread = threading.Thread(
        target=run_ticker,
        args=(database_url, stop),
        kwargs={"rules_file": rules, "interval_s": 0.1},
    )
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not alerts_of(database_url, rule="rig_silent") and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop.set()
        thread.join(10)
    (row,) = alerts_of(database_url, rule="rig_silent")
    assert row["limit_value"] == 2.0 and row["pile_id"] == "P-1"
