"""Downloads: piles and alerts as CSV/XLSX, and the printable pile report (HTML/PDF)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

from api.deps import DbConn, Reader
from api.errors import AUTH_ERRORS, error_responses
from api.pileid import PileId
from api.services import exports, report

router = APIRouter(prefix="/api/v1", tags=["exports"], responses=AUTH_ERRORS)

CSV = "text/csv; charset=utf-8"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SiteQuery = Annotated[str | None, Query(description="Only this site")]


def _file(media_type: str, description: str) -> dict[int | str, dict[str, Any]]:
    return {
        200: {
            "description": description,
            "content": {media_type.split(";")[0]: {"schema": {"type": "string"}}},
        }
    }


def _download(body: bytes, media_type: str, filename: str) -> Response:
    return Response(
        body,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get("/exports/piles.csv", response_class=Response, responses=_file(CSV, "Piles"))
def piles_csv(conn: DbConn, who: Reader, site: SiteQuery = None) -> Response:
    rows = exports.pile_rows(conn, site)
    return _download(exports.to_csv(exports.PILE_COLUMNS, rows), CSV, "piles.csv")


@router.get("/exports/piles.xlsx", response_class=Response, responses=_file(XLSX, "Piles"))
def piles_xlsx(conn: DbConn, who: Reader, site: SiteQuery = None) -> Response:
    rows = exports.pile_rows(conn, site)
    return _download(exports.to_xlsx("piles", exports.PILE_COLUMNS, rows), XLSX, "piles.xlsx")


@router.get("/exports/alerts.csv", response_class=Response, responses=_file(CSV, "Alerts"))
def alerts_csv(conn: DbConn, who: Reader, site: SiteQuery = None) -> Response:
    rows = exports.alert_rows(conn, site)
    return _download(exports.to_csv(exports.ALERT_COLUMNS, rows), CSV, "alerts.csv")


@router.get("/exports/alerts.xlsx", response_class=Response, responses=_file(XLSX, "Alerts"))
def alerts_xlsx(conn: DbConn, who: Reader, site: SiteQuery = None) -> Response:
    rows = exports.alert_rows(conn, site)
    body = exports.to_xlsx("alerts", exports.ALERT_COLUMNS, rows)
    return _download(body, XLSX, "alerts.xlsx")


PILE_SITE = Annotated[
    str | None, Query(description="Site id; needed when the pile id exists on several sites")
]


@router.get(
    "/piles/{pile}/report.html",
    response_class=HTMLResponse,
    responses={**_file("text/html", "Printable report"), **error_responses(404, 409)},
)
async def report_html(pile: PileId, conn: DbConn, who: Reader, site: PILE_SITE = None) -> str:
    data = await run_in_threadpool(report.report_data, conn, pile, site)
    return await run_in_threadpool(report.render_html, data)


@router.get(
    "/piles/{pile}/report.pdf",
    response_class=Response,
    responses={**_file("application/pdf", "Printable report"), **error_responses(404, 409)},
)
async def report_pdf(pile: PileId, conn: DbConn, who: Reader, site: PILE_SITE = None) -> Response:
    data = await run_in_threadpool(report.report_data, conn, pile, site)
    body = await run_in_threadpool(report.render_pdf, data)
    return Response(body, media_type="application/pdf")
