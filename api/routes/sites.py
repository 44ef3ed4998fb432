"""Sites: list, map, today's figures, and the site plan upload."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from starlette.datastructures import UploadFile

from api.deps import DbConn, Principal, Reader, require_roles
from api.errors import AUTH_ERRORS, error_responses
from api.schemas import PlanErrorOut, PlanImportOut, SiteList, SiteMap, SiteToday
from api.services import sites as service
from siteplan.csv_format import PlanError, PlanRowError, parse_plan_csv
from storage.plans import import_plan

router = APIRouter(prefix="/api/v1", tags=["sites"], responses=AUTH_ERRORS)

SitePath = Annotated[str, Path(description="Site id", max_length=64)]
PlanWriter = Annotated[Principal, Depends(require_roles("engineer", "admin"))]
MAX_PLAN_BYTES = 20 * 1024 * 1024


@router.get("/sites", response_model=SiteList)
def list_sites(conn: DbConn, who: Reader) -> dict[str, Any]:
    return {"items": service.list_sites(conn)}


@router.get("/sites/{site}/map", response_model=SiteMap, responses=error_responses(404))
def site_map(site: SitePath, conn: DbConn, who: Reader) -> dict[str, Any]:
    """Every pile of the site (planned, recorded and unplanned) with position and state."""
    return {"items": service.site_map(conn, site)}


@router.get("/sites/{site}/today", response_model=SiteToday, responses=error_responses(404))
def site_today(
    site: SitePath,
    conn: DbConn,
    who: Reader,
    day: Annotated[date | None, Query(alias="date", description="UTC day; default today")] = None,
) -> dict[str, Any]:
    return service.site_today(conn, site, day or datetime.now(UTC).date())


def _plan_error(errors: list[PlanRowError]) -> JSONResponse:
    return JSONResponse(
        {"detail": [_row(e) for e in errors]},
        status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
    )


def _row(e: PlanRowError) -> dict[str, Any]:
    return {"row": e.row, "field": e.field, "value": e.value, "reason": e.reason}


async def _plan_text(request: Request) -> str | PlanRowError:
    """The CSV from a text body or from the first file of a multipart form."""
    content_type = request.headers.get("content-type", "")
    data: bytes
    if content_type.startswith("multipart/form-data"):
        form = await request.form(max_files=1, max_fields=10)
        files = [v for v in form.values() if isinstance(v, UploadFile)]
        if not files:
            return PlanRowError(0, "file", "", "multipart form without a file")
        data = await files[0].read(MAX_PLAN_BYTES + 1)
    else:
        data = await request.body()
    if len(data) > MAX_PLAN_BYTES:
        return PlanRowError(0, "file", "", f"larger than {MAX_PLAN_BYTES} bytes")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return PlanRowError(0, "file", "", f"not UTF-8 ({exc.reason} at byte {exc.start})")


_PLAN_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "text/csv": {"schema": {"type": "string"}},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {"file": {"type": "string", "format": "binary"}},
                    "required": ["file"],
                }
            },
        },
    }
}


@router.post(
    "/sites/{site}/plan",
    response_model=PlanImportOut,
    openapi_extra=_PLAN_BODY,
    responses={422: {"model": PlanErrorOut, "description": "Rows of the plan that are wrong"}},
)
async def upload_plan(
    site: Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{1,64}$")],
    request: Request,
    conn: DbConn,
    who: PlanWriter,
) -> Any:
    """Load a site plan (contract §2), as a CSV body or a multipart file. All or nothing:
    any bad row rejects the file, and `detail` lists each problem with its line number
    (the header is line 1)."""
    text = await _plan_text(request)
    if isinstance(text, PlanRowError):
        return _plan_error([text])
    try:
        planned = parse_plan_csv(text)
    except PlanError as exc:
        return _plan_error(exc.errors)
    result = await run_in_threadpool(import_plan, conn, site, planned)
    return {"site": result.site, "inserted": result.inserted, "updated": result.updated}
