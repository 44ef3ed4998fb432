from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import psycopg

from siteplan.csv_format import parse_plan_csv
from storage.db import connect
from storage.plans import import_plan, load_plan

REPO = Path(__file__).resolve().parents[2]
HEADER = "pile,x_m,y_m,design_length_m,diameter_m,design_cement_kg_m,wc,density_kg_l,blades,process"


def test_reimport_updates_planned_piles_without_touching_recorded_data(database_url: str) -> None:
    first = parse_plan_csv(
        f"{HEADER}\nA,1,2,10,0.5,55,0.6,1.7,4,4S2P\nB,3,4,8,0.5,55,0.6,1.7,4,4S2P\n"
    )
    with connect(database_url) as conn:
        assert import_plan(conn, "S1", first).inserted == 2
        conn.execute(
            "INSERT INTO rigs (rig_id, site_id) VALUES ('R1', 'S1');"
            "INSERT INTO piles (site_id, pile_id, rig_id, status, samples, cement_total_kg)"
            " VALUES ('S1', 'A', 'R1', 'complete', 1200, 612.5)"
        )
        second = parse_plan_csv(
            f"{HEADER}\nA,1,2,12,0.5,60,0.6,1.7,4,4S2P\nC,5,6,9,0.5,55,0.6,1.7,4,4S2P\n"
        )
        result = import_plan(conn, "S1", second)
        assert (result.inserted, result.updated) == (1, 1)
        plan = {p.pile: p for p in load_plan(conn, "S1")}
        pile = conn.execute("SELECT status, samples, cement_total_kg FROM piles").fetchone()
    assert sorted(plan) == ["A", "B", "C"]
    assert (plan["A"].design_length_m, plan["A"].design_cement_kg_m) == (12.0, 60.0)
    assert pile == {"status": "complete", "samples": 1200, "cement_total_kg": 612.5}


def run_cli(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PILEWATCH_DATABASE_URL": database_url}
    return subprocess.run(
        [sys.executable, "-m", "cli.main", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_plan_import_command(database_url: str, tmp_path: Path) -> None:
    good = tmp_path / "plan.csv"
    good.write_text(f"{HEADER}\nA,1,2,10,0.5,55,0.6,1.7,4,4S2P\n", encoding="utf-8")
    done = run_cli(database_url, "plan", "import", str(good), "--site", "S1")
    assert done.returncode == 0, done.stderr
    assert "site S1: 1 planned pile(s) added, 0 updated" in done.stdout
    bad = tmp_path / "bad.csv"
    bad.write_text(f"{HEADER}\nA,1,2,10,0.5,55,0.6,1.7,4,4S2P\nB,1,2,-4,0.5,55,0.6,1.7,4,4S2P\n")
    refused = run_cli(database_url, "plan", "import", str(bad), "--site", "S1")
    assert refused.returncode == 1
    assert "row 3, field 'design_length_m' = '-4'" in refused.stderr
    assert "1 error(s), nothing imported" in refused.stderr
    with psycopg.connect(database_url) as conn:
        row = conn.execute("SELECT count(*) FROM planned_piles").fetchone()
    assert row is not None and row[0] == 1
