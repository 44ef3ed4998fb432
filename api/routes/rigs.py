"""Rigs: online state, the pile each is on and its live depth."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from api.deps import DbConn, Reader
from api.errors import AUTH_ERRORS, error_responses
from api.schemas import RigActivity, RigList, RigOut
from api.services import sites as service
from api.services.rig_activity import rig_activity

router = APIRouter(prefix="/api/v1", tags=["rigs"], responses=AUTH_ERRORS)


@router.get("/rigs", response_model=RigList)
def list_rigs(
    conn: DbConn,
    who: Reader,
    site: Annotated[str | None, Query(description="Only this site")] = None,
) -> dict[str, Any]:
    return {"items": service.list_rigs(conn, site)}


@router.get("/rigs/{rig}", response_model=RigOut, responses=error_responses(404))
def get_rig(
    rig: Annotated[str, Path(description="Rig id")], conn: DbConn, who: Reader
) -> dict[str, Any]:
    return service.get_rig(conn, rig)


@router.get("/rigs/{rig}/activity", response_model=RigActivity, responses=error_responses(404, 422))
def get_rig_activity(
    rig: Annotated[str, Path(description="Rig id")],
    conn: DbConn,
    who: Reader,
    since: Annotated[datetime | None, Query(description="Start (default: a day ago)")] = None,
    until: Annotated[datetime | None, Query(description="End (default: now)")] = None,
) -> dict[str, Any]:
    """Samples, mean flow and deepest depth per hour (a TimescaleDB continuous aggregate)."""
    return rig_activity(conn, rig, since, until)
