from __future__ import annotations

import csv
import io

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from tests.api import builders as b


@pytest.fixture
def export_db(database_url: str) -> str:
    with b.open_db(database_url) as conn:
        b.planned(conn, "S1", "P-1")
        b.pile(conn, "S1", "P-1", verdict="fail", reasons=["bin 2.0–2.5 m: 40 < 41.25 kg/m"])
        b.planned(conn, "S1", "=1+1")  # must stay text in a spreadsheet
        b.pile(conn, "S2", "桩 7/A")
        b.alerts_table(conn)
        b.alert(conn, "S1", "P-1", "critical")
        b.alert(conn, "S2", "桩 7/A", "info")
    return database_url


def test_piles_csv(client: TestClient, auth: dict[str, str], export_db: str) -> None:
    r = client.get("/api/v1/exports/piles.csv", headers=auth)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert [row["pile"] for row in rows] == ["=1+1", "P-1", "桩 7/A"]
    assert rows[1]["reasons"] == "bin 2.0–2.5 m: 40 < 41.25 kg/m"
    assert rows[0]["status"] == "planned"
    only = client.get("/api/v1/exports/piles.csv", params={"site": "S2"}, headers=auth)
    assert len(list(csv.DictReader(io.StringIO(only.content.decode("utf-8-sig"))))) == 1


def test_piles_xlsx(client: TestClient, auth: dict[str, str], export_db: str) -> None:
    r = client.get("/api/v1/exports/piles.xlsx", headers=auth)
    assert r.status_code == 200
    sheet = load_workbook(io.BytesIO(r.content)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:2] == ("pile", "site")
    assert [row[0] for row in rows[1:]] == ["=1+1", "P-1", "桩 7/A"]
    assert sheet["A2"].data_type == "s"


def test_alerts_exports(client: TestClient, auth: dict[str, str], export_db: str) -> None:
    r = client.get("/api/v1/exports/alerts.csv", params={"site": "S1"}, headers=auth)
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert len(rows) == 1 and rows[0]["severity"] == "critical" and rows[0]["limit"] == "55.0"
    r = client.get("/api/v1/exports/alerts.xlsx", headers=auth)
    sheet = load_workbook(io.BytesIO(r.content)).active
    assert sheet is not None and sheet.max_row == 3


def test_alerts_export_without_alerts_table(
    client: TestClient, auth: dict[str, str], database_url: str
) -> None:
    with b.open_db(database_url) as conn:
        conn.execute("DROP TABLE IF EXISTS alerts CASCADE")
    r = client.get("/api/v1/exports/alerts.csv", headers=auth)
    assert r.status_code == 200
    assert r.content.decode("utf-8-sig").splitlines()[0].startswith("id,site,rig,pile")
    assert client.get("/api/v1/exports/alerts.xlsx", headers=auth).status_code == 200


def test_report_html_and_pdf(client: TestClient, auth: dict[str, str], export_db: str) -> None:
    r = client.get("/api/v1/piles/P-1/report.html", headers=auth)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    page = r.text
    assert "Verdict: fail" in page and "bin 2.0–2.5 m: 40 &lt; 41.25 kg/m" in page
    assert "data:image/png;base64," in page and "cement per metre 40.0 below 55.0" in page
    r = client.get("/api/v1/piles/P-1/report.pdf", headers=auth)
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
    r = client.get("/api/v1/piles/%E6%A1%A9%207%2FA/report.pdf", headers=auth)
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
    planned = client.get("/api/v1/piles/%3D1%2B1/report.html", headers=auth)
    assert planned.status_code == 200 and "not yet known" in planned.text
    assert client.get("/api/v1/piles/none/report.pdf", headers=auth).status_code == 404
