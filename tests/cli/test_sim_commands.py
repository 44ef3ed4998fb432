"""The simulator, replay and MEDEF commands as a user runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import psycopg

from simulators.medef import build_medef
from tests.conftest import BrokerInfo

REPO = Path(__file__).resolve().parents[2]


def run_cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cli.main", *args],
        cwd=REPO,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def test_simulate_writes_ground_truth_and_record_replay_round_trip(
    broker: BrokerInfo, tmp_path: Path
) -> None:
    env = {"PILEWATCH_MQTT_URL": broker.url, "PILEWATCH_MQTT_PROTOCOL": broker.protocol}
    truth = tmp_path / "truth.json"
    done = run_cli(
        env,
        "simulate",
        "--site",
        "CLI1",
        "--rigs",
        "2",
        "--scenario",
        "under_dosage",
        "--seed",
        "3",
        "--speed",
        "0",
        "--piles",
        "2",
        "--ground-truth",
        str(truth),
        "--batch-s",
        "5",
    )
    assert done.returncode == 0, done.stderr
    assert "scenario under_dosage: 2 pile(s)" in done.stdout
    entries = json.loads(truth.read_text())
    entries = entries["faults"] if isinstance(entries, dict) else entries
    kinds = {e["kind"] for e in entries}
    assert kinds == {"under_dosage"}
    assert all(e["depth_bottom_m"] > e["depth_top_m"] for e in entries)


def test_unknown_scenario_is_refused_with_the_list(broker: BrokerInfo) -> None:
    done = run_cli({"PILEWATCH_MQTT_URL": broker.url}, "simulate", "--site", "S", "--scenario", "x")
    assert done.returncode == 2
    assert "'x' is not one of: normal" in done.stderr


def test_import_medef_stores_and_evaluates_and_names_broken_files(
    database_url: str, tmp_path: Path
) -> None:
    n = 600
    depth_cm = [min(i, 300) * 2.0 for i in range(n)]  # 2 cm per second down to 600 cm, then stays
    doc = build_medef(
        "P-MEDEF-1",
        datetime(2026, 11, 20, 8, 0, tzinfo=UTC),
        [
            ("Tiefe", "cm", depth_cm),
            ("Susp.-Durchfl.", "l/min", [40.0] * n),
            ("Susp.-Durchfl.2", "m3/h", [0.6] * n),  # 10 L/min
            ("Drehzahl", "U/min", [45.0] * n),
            ("Susp.-Druck", "bar", [4.5] * n),
            ("Unbekannt", "V", [1.0] * n),
        ],
    )
    good = tmp_path / "good.json"
    good.write_text(json.dumps(doc))
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    env = {"PILEWATCH_DATABASE_URL": database_url}
    done = run_cli(env, "import-medef", str(good), str(broken), "--site", "S1", "--rig", "BG28")
    assert done.returncode == 1
    assert f"{good}: pile 'P-MEDEF-1': {n} sample(s) stored" in done.stdout
    assert "channel 'Unbekannt' kept unmapped" in done.stdout
    assert str(broken) in done.stderr and "1 file(s) could not be read" in done.stderr
    with psycopg.connect(database_url) as conn:
        flow = conn.execute("SELECT DISTINCT flow_l_min FROM telemetry").fetchall()
        depth = conn.execute("SELECT max(depth_m) FROM telemetry").fetchone()
        pile = conn.execute("SELECT status, samples, unplanned FROM piles").fetchone()
    assert flow == [(50.0,)]  # both pumps summed, m³/h converted
    assert depth is not None and abs(depth[0] - 6.0) < 1e-9  # cm converted
    assert pile == ("complete", n, True)
    again = run_cli(env, "import-medef", str(good), "--site", "S1", "--rig", "BG28")
    assert again.returncode == 0
    assert f"0 sample(s) stored, {n} already there" in again.stdout
