from __future__ import annotations

from datetime import UTC, datetime, timedelta

import psycopg
from fastapi.testclient import TestClient


def insert_samples(url: str) -> None:
    start = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
    with psycopg.connect(url) as conn:
        conn.execute("INSERT INTO sites (site_id) VALUES ('S1')")
        conn.execute("INSERT INTO rigs (rig_id, site_id) VALUES ('R1', 'S1')")
        with conn.cursor().copy(
            "COPY telemetry (site_id, rig_id, boot, seq, t, pile_id, depth_m, flow_l_min)"
            " FROM STDIN"
        ) as copy:
            # 08:00-08:59: 60 samples at 30 L/min down to 5.9 m; 09:00-09:09: 10 at 50 L/min.
            for i in range(60):
                copy.write_row(
                    ("S1", "R1", "b", i, start + timedelta(minutes=i), "P", i / 10, 30.0)
                )
            for i in range(10):
                copy.write_row(
                    ("S1", "R1", "b", 60 + i, start + timedelta(hours=1, minutes=i), "P", 2.0, 50.0)
                )


def test_hourly_activity_of_a_rig(
    client: TestClient, auth: dict[str, str], database_url: str
) -> None:
    insert_samples(database_url)
    r = client.get(
        "/api/v1/rigs/R1/activity",
        params={"since": "2026-11-22T07:30:00Z", "until": "2026-11-22T10:00:00Z"},
        headers=auth,
    )
    assert r.status_code == 200, r.text
    hours = r.json()["hours"]
    assert [
        (h["hour"][:16], h["samples"], h["mean_flow_l_min"], h["max_depth_m"]) for h in hours
    ] == [
        ("2026-11-22T08:00", 60, 30.0, 5.9),
        ("2026-11-22T09:00", 10, 50.0, 2.0),
    ]


def test_activity_refuses_bad_ranges_and_unknown_rigs(
    client: TestClient, auth: dict[str, str], database_url: str
) -> None:
    insert_samples(database_url)
    backwards = client.get(
        "/api/v1/rigs/R1/activity",
        params={"since": "2026-11-23T00:00:00Z", "until": "2026-11-22T00:00:00Z"},
        headers=auth,
    )
    assert backwards.status_code == 422 and "is not before until" in backwards.text
    too_long = client.get(
        "/api/v1/rigs/R1/activity",
        params={"since": "2026-01-01T00:00:00Z", "until": "2026-11-22T00:00:00Z"},
        headers=auth,
    )
    assert too_long.status_code == 422 and "at most 92 days" in too_long.text
    assert client.get("/api/v1/rigs/NOPE/activity", headers=auth).status_code == 404
