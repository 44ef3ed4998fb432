"""Piles and alerts as CSV (UTF-8 with BOM, so spreadsheet programs read Chinese ids) or XLSX."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

import psycopg
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from api.services.piles import ALL_PILES, SUMMARY_FIELDS
from api.services.sites import alerts_table_exists

Conn = psycopg.Connection[dict[str, Any]]

PILE_COLUMNS = SUMMARY_FIELDS
ALERT_COLUMNS = (
    "id",
    "site",
    "rig",
    "pile",
    "rule",
    "severity",
    "state",
    "depth_top_m",
    "depth_bottom_m",
    "value",
    "limit",
    "message",
    "raised_at",
)


def pile_rows(conn: Conn, site: str | None) -> list[dict[str, Any]]:
    sql = f"SELECT * FROM ({ALL_PILES}) AS a"
    params: list[Any] = []
    if site is not None:
        sql += " WHERE site = %s"
        params.append(site)
    rows = conn.execute((sql + ' ORDER BY site COLLATE "C", pile COLLATE "C"').encode(), params)
    return [r | {"reasons": "; ".join(map(str, r["reasons"] or []))} for r in rows]


def alert_rows(conn: Conn, site: str | None) -> list[dict[str, Any]]:
    # The alerts package owns the table; before it is installed the export is just a header.
    if not alerts_table_exists(conn):
        return []
    sql = (
        "SELECT id, site_id AS site, rig_id AS rig, pile_id AS pile, rule, severity, state,"
        ' depth_top_m, depth_bottom_m, value, limit_value AS "limit", message, raised_at'
        " FROM alerts"
    )
    params: list[Any] = []
    if site is not None:
        sql += " WHERE site_id = %s"
        params.append(site)
    return conn.execute((sql + " ORDER BY raised_at, id").encode(), params).fetchall()


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def to_csv(columns: Sequence[str], rows: Iterable[dict[str, Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if row[c] is None else _plain(row[c]) for c in columns])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(sheet: str, columns: Sequence[str], rows: Iterable[dict[str, Any]]) -> bytes:
    book = Workbook(write_only=True)
    ws = book.create_sheet(sheet)
    ws.append(list(columns))
    for row in rows:
        cells: list[Any] = []
        for c in columns:
            value = row[c]
            if isinstance(value, datetime):
                # Excel has no time zones: UTC, without the offset openpyxl refuses.
                value = value.astimezone(UTC).replace(tzinfo=None)
            if isinstance(value, str):
                # A text cell even when it starts with "=": an id is never a formula.
                cell = WriteOnlyCell(ws, value=value)
                cell.data_type = "s"
                cells.append(cell)
            else:
                cells.append(value)
        ws.append(cells)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
