from __future__ import annotations

import time
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from tests.api import builders as b
from tests.api.conftest import bearer


@pytest.fixture
def site_db(database_url: str) -> str:
    with b.open_db(database_url) as conn:
        b.site(conn, "S1", "Expressway K12")
        b.rig(conn, "S1", "R1", online=True)
        b.rig(conn, "S1", "R2", online=False)
        b.planned(conn, "S1", "P-1", x_m=1.5, y_m=2.5)
        b.planned(conn, "S1", "P-2")
        b.pile(conn, "S1", "P-1", rig="R1", kg_m=60.0, depth=12.0)
        b.pile(conn, "S1", "U-1", rig="R1", status="in_progress", verdict=None)
        b.samples(conn, "S1", "R1", "U-1", 30)
        b.pile_start_event(conn, "S1", "R1", "U-1", 1, {"x": 7.0, "y": 8.0})
        b.pile(conn, "S1", "U-2", rig="R2", verdict="fail", started_at=b.T0 + timedelta(hours=1))
        b.pile_start_event(conn, "S1", "R2", "U-2", 2, {"x": "bad"})
        b.site(conn, "S2")
    return database_url


def test_sites(client: TestClient, auth: dict[str, str], site_db: str) -> None:
    items = client.get("/api/v1/sites", headers=auth).json()["items"]
    assert items[0] == {
        "site": "S1",
        "name": "Expressway K12",
        "piles_planned": 2,
        "piles_recorded": 3,
        "rigs": 2,
    }
    assert items[1]["site"] == "S2" and items[1]["piles_planned"] == 0


def test_map(client: TestClient, auth: dict[str, str], site_db: str) -> None:
    r = client.get("/api/v1/sites/S1/map", headers=auth)
    piles = {p["pile"]: p for p in r.json()["items"]}
    assert set(piles) == {"P-1", "P-2", "U-1", "U-2"}
    assert piles["P-1"] | {} == piles["P-1"]
    assert (piles["P-1"]["x_m"], piles["P-1"]["y_m"]) == (1.5, 2.5)
    assert piles["P-1"]["verdict"] == "pass" and piles["P-1"]["cement_total_kg"] == 720.0
    assert piles["P-2"]["status"] == "planned" and piles["P-2"]["design_length_m"] == 12.0
    assert piles["U-1"]["unplanned"] and (piles["U-1"]["x_m"], piles["U-1"]["y_m"]) == (7.0, 8.0)
    assert piles["U-2"]["x_m"] is None and piles["U-2"]["rig"] == "R2"
    assert set(piles["P-1"]) >= {"pile", "x_m", "y_m", "status", "verdict", "rig",
                                 "cement_total_kg", "depth_reached_m", "design_length_m",
                                 "unplanned"}  # fmt: skip
    assert client.get("/api/v1/sites/NOPE/map", headers=auth).status_code == 404


def test_map_is_fast_for_5000_piles(
    client: TestClient, auth: dict[str, str], database_url: str
) -> None:
    with b.open_db(database_url) as conn:
        b.site(conn, "BIG")
        conn.execute(
            "INSERT INTO planned_piles (site_id, pile_id, x_m, y_m, design_length_m, diameter_m,"
            " design_cement_kg_m, wc, density_kg_l, blades, process)"
            " SELECT 'BIG', 'P' || i, i, i, 12, 0.5, 55, 0.55, 1.78, 4, '4S2P'"
            " FROM generate_series(1, 5000) i"
        )
        conn.execute(
            "INSERT INTO piles (site_id, pile_id, rig_id, status, verdict, depth_reached_m)"
            " SELECT 'BIG', 'P' || i, 'R1', 'complete', 'pass', 12"
            " FROM generate_series(1, 2500) i"
        )
    started = time.perf_counter()
    r = client.get("/api/v1/sites/BIG/map", headers=auth)
    elapsed = time.perf_counter() - started
    assert len(r.json()["items"]) == 5000
    assert elapsed < 2.0


def test_today(client: TestClient, auth: dict[str, str], site_db: str) -> None:
    r = client.get("/api/v1/sites/S1/today", params={"date": "2026-11-22"}, headers=auth)
    body = r.json()
    assert body["date"] == "2026-11-22"
    assert body["piles_finished"] == 2
    assert body["metres_treated"] == 24.0
    assert body["cement_kg"] == 1440.0
    assert body["pass_rate"] == 0.5
    assert body["rigs_online"] == 1 and body["rigs_total"] == 2
    assert set(body["open_alerts"]) == {"info", "warning", "critical"}
    other = client.get("/api/v1/sites/S1/today", params={"date": "2026-11-23"}, headers=auth)
    assert other.json()["piles_finished"] == 0 and other.json()["pass_rate"] is None
    assert client.get("/api/v1/sites/S1/today", headers=auth).status_code == 200
    bad = client.get("/api/v1/sites/S1/today", params={"date": "22/11"}, headers=auth)
    assert bad.status_code == 422


def test_today_counts_open_alerts(client: TestClient, auth: dict[str, str], site_db: str) -> None:
    with b.open_db(site_db) as conn:
        conn.execute("DROP TABLE IF EXISTS alerts CASCADE")
        zero = client.get("/api/v1/sites/S1/today", headers=auth).json()["open_alerts"]
        assert zero == {"info": 0, "warning": 0, "critical": 0}
        b.alerts_table(conn)
        b.alert(conn, "S1", "P-1", "critical")
        b.alert(conn, "S1", "P-1", "critical")
        b.alert(conn, "S1", "P-1", "warning", state="resolved")
        b.alert(conn, "S2", "X", "info")
    counts = client.get("/api/v1/sites/S1/today", headers=auth).json()["open_alerts"]
    assert counts == {"info": 0, "warning": 0, "critical": 2}


def test_rigs(client: TestClient, auth: dict[str, str], site_db: str) -> None:
    items = client.get("/api/v1/rigs", params={"site": "S1"}, headers=auth).json()["items"]
    rigs = {r["rig"]: r for r in items}
    assert rigs["R1"]["online"] is True and rigs["R1"]["current_pile"] == "U-1"
    assert rigs["R1"]["live_depth_m"] == pytest.approx(0.29)
    assert rigs["R2"]["online"] is False and rigs["R2"]["current_pile"] is None
    assert rigs["R2"]["live_depth_m"] is None and rigs["R2"]["last_seen"]
    one = client.get("/api/v1/rigs/R1", headers=auth).json()
    assert one == rigs["R1"]
    assert client.get("/api/v1/rigs/NOPE", headers=auth).status_code == 404
    assert client.get("/api/v1/rigs", params={"site": "S2"}, headers=auth).json()["items"] == []


PLAN = (
    "pile,x_m,y_m,design_length_m,diameter_m,design_cement_kg_m,wc,density_kg_l,blades,process\n"
    "A-1,1,2,12,0.5,55,0.55,1.78,4,4S2P\n"
    "桩 2/B,3,4,12,0.5,55,0.55,1.78,4,4S2P\n"
)


def test_plan_upload_csv_and_multipart(
    client: TestClient, tokens: dict[str, str], database_url: str
) -> None:
    headers = bearer(tokens["engineer"]) | {"content-type": "text/csv"}
    r = client.post("/api/v1/sites/NEW/plan", content=PLAN.encode(), headers=headers)
    assert r.status_code == 200, r.text
    assert r.json() == {"site": "NEW", "inserted": 2, "updated": 0}
    r = client.post(
        "/api/v1/sites/NEW/plan",
        files={"file": ("plan.csv", PLAN.encode(), "text/csv")},
        headers=bearer(tokens["admin"]),
    )
    assert r.json() == {"site": "NEW", "inserted": 0, "updated": 2}
    r = client.post(
        "/api/v1/sites/NEW/plan", content=PLAN.encode(), headers=bearer(tokens["supervisor"])
    )
    assert r.status_code == 403


def test_plan_upload_bad_rows(client: TestClient, auth: dict[str, str], database_url: str) -> None:
    bad = PLAN + "A-1,x,2,12,0.5,55,0.55,1.78,4,4S2P\nC-3,1,2,999,0.5,55,0.55,1.78,4,ZZ\n"
    r = client.post("/api/v1/sites/NEW/plan", content=bad.encode(), headers=auth)
    assert r.status_code == 422
    detail = r.json()["detail"]
    assert {"row": 4, "field": "x_m", "value": "x", "reason": "not a number"} in detail
    assert {(d["row"], d["field"]) for d in detail} >= {(4, "pile"), (5, "design_length_m"),
                                                         (5, "process")}  # fmt: skip
    sites = client.get("/api/v1/sites", headers=auth).json()["items"]
    assert sites == []  # all or nothing
    r = client.post("/api/v1/sites/NEW/plan", content=b"\xff\xfe", headers=auth)
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "file"
    r = client.post("/api/v1/sites/bad site/plan", content=PLAN.encode(), headers=auth)
    assert r.status_code == 422
