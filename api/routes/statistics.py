"""`GET /api/v1/sites/{site}/statistics`: distributions, control charts, uniformity trend and
rig comparison over the site's finished piles."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from api.deps import DbConn, Reader
from api.errors import AUTH_ERRORS, error_responses
from api.schemas_stats import StatisticsOut
from api.services.errors import InvalidInputError
from api.services.statistics import site_statistics

router = APIRouter(prefix="/api/v1", tags=["statistics"], responses=AUTH_ERRORS)

Day = Annotated[date | None, Query()]


@router.get(
    "/sites/{site}/statistics", response_model=StatisticsOut, responses=error_responses(404)
)
def statistics(
    site: Annotated[str, Path(max_length=64)],
    conn: DbConn,
    who: Reader,
    from_: Annotated[date | None, Query(alias="from", description="First UTC day")] = None,
    to: Annotated[date | None, Query(description="Last UTC day (inclusive)")] = None,
    before_from: Day = None,
    before_to: Day = None,
    after_from: Day = None,
    after_to: Day = None,
) -> dict[str, Any]:
    """The uniformity trend compares `before_*` with `after_*` when all four are given,
    else the first and second half of the range (a 15% improvement is cv_change_pct = −15)."""
    periods = (before_from, before_to, after_from, after_to)
    before = after = None
    if any(p is not None for p in periods):
        if before_from is None or before_to is None or after_from is None or after_to is None:
            raise InvalidInputError("give all of before_from, before_to, after_from, after_to")
        if before_to < before_from or after_to < after_from:
            raise InvalidInputError("a period ends before it starts")
        before, after = (before_from, before_to), (after_from, after_to)
    return site_statistics(conn, site, from_, to, before, after)
