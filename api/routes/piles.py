"""Piles (contract §3): list, summary, profile, and the downsampled telemetry for charts.

Pile ids may hold any printable character, `/` included: see api.pileid for how a
percent-encoded `/` stays inside the `{pile}` segment.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from api.deps import DbConn, Reader
from api.errors import AUTH_ERRORS, error_responses
from api.pileid import PileId
from api.schemas import PileList, PileStatus, PileSummary, Profile, TelemetryOut
from api.services import piles as service

router = APIRouter(prefix="/api/v1", tags=["piles"], responses=AUTH_ERRORS)

SiteQuery = Annotated[
    str | None,
    Query(description="Site id; needed when the pile id exists on several sites"),
]
ONE_PILE = error_responses(404, 409)


@router.get("/piles", response_model=PileList)
def list_piles(
    conn: DbConn,
    who: Reader,
    site: Annotated[str | None, Query(description="Only this site")] = None,
    status: Annotated[PileStatus | None, Query(description="Only piles in this state")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    cursor: Annotated[
        str | None,
        Query(
            description="`next` of the previous page", max_length=2048, pattern=r"^[A-Za-z0-9_-]+$"
        ),
    ] = None,
) -> dict[str, Any]:
    items, after = service.list_piles(conn, site=site, status=status, limit=limit, cursor=cursor)
    return {"items": items, "next": after}


@router.get("/piles/{pile}/profile", response_model=Profile, responses=ONE_PILE)
def pile_profile(pile: PileId, conn: DbConn, who: Reader, site: SiteQuery = None) -> dict[str, Any]:
    """Cement, slurry and mixing per depth bin, ordered from the top; amounts are per metre
    of the bin's own length."""
    return service.get_profile(conn, pile, site)


@router.get("/piles/{pile}/telemetry", response_model=TelemetryOut, responses=ONE_PILE)
def pile_telemetry(
    pile: PileId,
    conn: DbConn,
    who: Reader,
    site: SiteQuery = None,
    max_points: Annotated[int, Query(ge=2, le=20000)] = 500,
) -> dict[str, Any]:
    """Samples averaged into at most `max_points` points; `downsampled_from` is the number
    of stored samples."""
    return service.get_telemetry(conn, pile, site, max_points)


@router.get("/piles/{pile}", response_model=PileSummary, responses=ONE_PILE)
def pile_summary(pile: PileId, conn: DbConn, who: Reader, site: SiteQuery = None) -> dict[str, Any]:
    return service.get_summary(conn, pile, site)
