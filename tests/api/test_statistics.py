from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from tests.api import builders as b


@pytest.fixture
def stats_db(database_url: str) -> str:
    with b.open_db(database_url) as conn:
        # Ten days, two rigs; R2 puts in more cement; CV falls in the second half.
        for day in range(10):
            for k in range(4):
                rig = "R1" if k % 2 else "R2"
                b.pile(
                    conn,
                    "S1",
                    f"P{day}-{k}",
                    rig=rig,
                    started_at=b.T0 + timedelta(days=day, minutes=50 * k),
                    kg_m=55.0 + (10.0 if rig == "R2" else 0.0) + k,
                    cv=0.20 - 0.01 * day,
                    cu=0.80 + 0.01 * day,
                    verdict="pass" if k else "fail",
                )
        b.pile(conn, "S1", "LIVE", status="in_progress", verdict=None)
        b.site(conn, "EMPTY")
    return database_url


def test_statistics(client: TestClient, auth: dict[str, str], stats_db: str) -> None:
    r = client.get("/api/v1/sites/S1/statistics", headers=auth)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["piles"] == 40 and body["from"] == "2026-11-22" and body["to"] == "2026-12-01"
    assert body["overall"]["pass_rate"] == 0.75
    assert len(body["overall"]["cv"]) == len(body["percentiles"])
    assert len(body["by_day"]) == 10 and body["by_day"][0]["day"] == "2026-11-22"
    assert [g["rig"] for g in body["by_rig"]] == ["R1", "R2"]
    shewhart = body["control_charts"]["cv"]["shewhart"]
    assert len(shewhart["points"]) == 40 and shewhart["centre"] == pytest.approx(0.155)
    assert body["control_charts"]["cement_kg_m"]["ewma"]["points"][0]["pile"] == "P0-0"
    trend = body["uniformity_trend"]
    assert trend["cv_change_pct"] < 0 and "more uniform" in trend["conclusion"]
    assert trend["before"] == {"from": "2026-11-22", "to": "2026-11-26"}
    comparison = {c["rig"]: c for c in body["rig_comparison"]}
    assert comparison["R2"]["p_value"] < 0.05 and comparison["R2"]["median_rig"] > 60


def test_statistics_periods_and_range(
    client: TestClient, auth: dict[str, str], stats_db: str
) -> None:
    params = {
        "before_from": "2026-11-22",
        "before_to": "2026-11-22",
        "after_from": "2026-12-01",
        "after_to": "2026-12-01",
    }
    body = client.get("/api/v1/sites/S1/statistics", params=params, headers=auth).json()
    assert body["uniformity_trend"]["mean_cv_before"] == pytest.approx(0.20)
    assert body["uniformity_trend"]["mean_cv_after"] == pytest.approx(0.11)
    one = client.get(
        "/api/v1/sites/S1/statistics", params={"from": "2026-11-23", "to": "2026-11-23"},
        headers=auth,
    ).json()  # fmt: skip
    assert one["piles"] == 4 and one["uniformity_trend"] is None
    r = client.get("/api/v1/sites/S1/statistics", params={"before_from": "2026-11-22"},
                   headers=auth)  # fmt: skip
    assert r.status_code == 422
    r = client.get("/api/v1/sites/S1/statistics", params={"from": "2026-11-23", "to": "2026-11-01"},
                   headers=auth)  # fmt: skip
    assert r.status_code == 422


def test_statistics_empty_site(client: TestClient, auth: dict[str, str], stats_db: str) -> None:
    body = client.get("/api/v1/sites/EMPTY/statistics", headers=auth).json()
    assert body["piles"] == 0 and body["overall"]["pass_rate"] is None
    assert body["control_charts"]["cv"] == {"shewhart": None, "ewma": None}
    assert body["uniformity_trend"] is None and body["rig_comparison"] == []
    assert client.get("/api/v1/sites/NOPE/statistics", headers=auth).status_code == 404
