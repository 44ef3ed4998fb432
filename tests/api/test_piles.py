from __future__ import annotations

from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from tests.api import builders as b

CONTRACT_FIELDS = {
    "pile", "site", "rig", "status", "started_at", "ended_at", "samples", "depth_reached_m",
    "design_length_m", "cement_total_kg", "cv", "cu", "du_lq", "min_ratio", "verdict", "reasons",
}  # fmt: skip


@pytest.fixture
def piles_db(database_url: str) -> str:
    with b.open_db(database_url) as conn:
        b.planned(conn, "S1", "P-1")
        b.pile(conn, "S1", "P-1", reasons=[])
        b.samples(conn, "S1", "R1", "P-1", 50)
        b.planned(conn, "S1", "P-2")  # planned, not started
        b.pile(conn, "S1", "U-9", status="in_progress", verdict=None)  # unplanned
        b.pile(conn, "S2", "P-1", rig="R2", verdict="fail", reasons=["depth short"])
    return database_url


def test_summary_fields(client: TestClient, auth: dict[str, str], piles_db: str) -> None:
    r = client.get("/api/v1/piles/P-1", params={"site": "S1"}, headers=auth)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body.keys() >= CONTRACT_FIELDS
    assert body["site"] == "S1" and body["status"] == "complete" and body["verdict"] == "pass"
    assert body["cement_total_kg"] == pytest.approx(720.0)
    assert body["unplanned"] is False
    planned = client.get("/api/v1/piles/P-2", headers=auth).json()
    assert planned["status"] == "planned" and planned["samples"] == 0
    assert planned["design_length_m"] == 12.0 and planned["verdict"] is None
    assert body["design_cement_kg_m"] == planned["design_cement_kg_m"] == 55.0
    unplanned = client.get("/api/v1/piles/U-9", headers=auth).json()
    assert unplanned["unplanned"] is True and unplanned["design_cement_kg_m"] is None


def test_ambiguous_and_missing(client: TestClient, auth: dict[str, str], piles_db: str) -> None:
    r = client.get("/api/v1/piles/P-1", headers=auth)
    assert r.status_code == 409
    assert "S1" in r.json()["detail"] and "S2" in r.json()["detail"]
    assert client.get("/api/v1/piles/P-1/profile", headers=auth).status_code == 409
    r = client.get("/api/v1/piles/P-1", params={"site": "S2"}, headers=auth)
    assert r.json()["reasons"] == ["depth short"]
    assert client.get("/api/v1/piles/nope", headers=auth).status_code == 404
    r = client.get("/api/v1/piles/P-2", params={"site": "S2"}, headers=auth)
    assert r.status_code == 404 and "detail" in r.json()


def test_list_filters_and_pagination(
    client: TestClient, auth: dict[str, str], piles_db: str
) -> None:
    seen: list[tuple[str, str]] = []
    cursor = None
    for _ in range(10):
        params: dict[str, str | int] = {"limit": 2}
        if cursor:
            params["cursor"] = cursor
        body = client.get("/api/v1/piles", params=params, headers=auth).json()
        seen += [(p["site"], p["pile"]) for p in body["items"]]
        cursor = body["next"]
        if cursor is None:
            break
    assert seen == [("S1", "P-1"), ("S1", "P-2"), ("S1", "U-9"), ("S2", "P-1")]
    only = client.get("/api/v1/piles", params={"site": "S1", "status": "planned"}, headers=auth)
    assert [p["pile"] for p in only.json()["items"]] == ["P-2"]
    assert only.json()["next"] is None
    bad = client.get("/api/v1/piles", params={"cursor": "garbage!"}, headers=auth)
    assert bad.status_code == 422
    assert client.get("/api/v1/piles", params={"status": "x"}, headers=auth).status_code == 422


def test_profile_ordered_from_top(
    client: TestClient, auth: dict[str, str], database_url: str
) -> None:
    with b.open_db(database_url) as conn:
        b.pile(conn, "S1", "P-1", depth=3.2, shuffle_profile=True)
        b.planned(conn, "S1", "P-2")
    body = client.get("/api/v1/piles/P-1/profile", headers=auth).json()
    assert body["bin_m"] == 0.5
    tops = [x["top_m"] for x in body["bins"]]
    assert tops == sorted(tops) and tops[0] == 0.0
    assert body["bins"][-1]["bottom_m"] == pytest.approx(3.2)
    first = body["bins"][0]
    for field in ("cement_kg_m", "cement_down_kg_m", "cement_up_kg_m", "slurry_l_m",
                  "blade_passes_per_m", "max_withdrawal_m_min"):  # fmt: skip
        assert field in first
    assert first["passes"] == 4  # analytics extras pass through
    planned = client.get("/api/v1/piles/P-2/profile", headers=auth).json()
    assert planned == {"bin_m": 0.5, "bins": []}


@pytest.mark.parametrize("pile_id", ["K12+340 A/0015", "桩 号/1#", "a%b?c#d", "x/profile"])
def test_ids_with_any_printable_characters(
    client: TestClient, auth: dict[str, str], database_url: str, pile_id: str
) -> None:
    with b.open_db(database_url) as conn:
        b.pile(conn, "S1", pile_id)
    path = "/api/v1/piles/" + quote(pile_id, safe="")
    r = client.get(path, headers=auth)
    assert r.status_code == 200, r.text
    assert r.json()["pile"] == pile_id
    r = client.get(path + "/profile", headers=auth)
    assert r.status_code == 200 and r.json()["bins"]
    r = client.get(path + "/telemetry", headers=auth)
    assert r.status_code == 200 and r.json()["pile"] == pile_id


def test_telemetry_downsampled(client: TestClient, auth: dict[str, str], piles_db: str) -> None:
    r = client.get(
        "/api/v1/piles/P-1/telemetry", params={"site": "S1", "max_points": 10}, headers=auth
    )
    body = r.json()
    assert body["downsampled_from"] == 50 and len(body["points"]) == 10
    point = body["points"][0]
    assert set(point) >= {"t", "depth_m", "flow_l_min", "rpm", "pressure_mpa", "density_kg_l",
                          "wc", "current_a", "tilt_x_deg", "tilt_y_deg"}  # fmt: skip
    assert point["flow_l_min"] == 40.0
    depths = [p["depth_m"] for p in body["points"]]
    assert depths == sorted(depths)
    full = client.get("/api/v1/piles/P-1/telemetry", params={"site": "S1"}, headers=auth).json()
    assert len(full["points"]) == 50
