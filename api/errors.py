"""Errors are always JSON `{"detail": …}`; these describe them in the OpenAPI document."""

from __future__ import annotations

import logging
from typing import Any

import psycopg
from fastapi import FastAPI, Request, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from api.services.errors import AmbiguousPileError, InvalidInputError, NotFoundError

log = logging.getLogger(__name__)


class ErrorOut(BaseModel):
    detail: Any


_DESCRIPTIONS = {
    400: "Bad request",
    401: "Missing, unknown or revoked bearer token",
    403: "The token's role may not do this",
    404: "Not found",
    409: "Ambiguous: the pile id exists on several sites; pass `site`",
    413: "Request body too large",
    422: "Invalid parameters or body",
    503: "Database unavailable",
}


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a router or route: the listed error codes with the ErrorOut body."""
    # The JSON content is spelled out: routes answering HTML, CSV or PDF on success still
    # answer their errors in JSON, and FastAPI would otherwise document the route's type.
    content = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}
    return {
        code: {"model": ErrorOut, "description": _DESCRIPTIONS[code], "content": content}
        for code in codes
    }


# What every authenticated route can answer besides its success.
AUTH_ERRORS = error_responses(401, 403, 422, 503)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(NotFoundError)
    async def _not_found(request: Request, exc: NotFoundError) -> JSONResponse:
        return JSONResponse({"detail": str(exc.args[0])}, status_code=status.HTTP_404_NOT_FOUND)

    @app.exception_handler(AmbiguousPileError)
    async def _ambiguous(request: Request, exc: AmbiguousPileError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=status.HTTP_409_CONFLICT)

    @app.exception_handler(InvalidInputError)
    async def _invalid(request: Request, exc: InvalidInputError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)

    @app.exception_handler(psycopg.DataError)
    async def _data_error(request: Request, exc: psycopg.DataError) -> JSONResponse:
        # A value PostgreSQL cannot hold (NUL in text, out-of-range number): the caller's
        # input, not our bug.
        return JSONResponse(
            {"detail": f"invalid value: {exc.diag.message_primary or exc}"},
            status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
        )

    @app.exception_handler(psycopg.OperationalError)
    async def _db_down(request: Request, exc: psycopg.OperationalError) -> JSONResponse:
        log.warning("database unavailable: %s", exc)
        return JSONResponse(
            {"detail": "database unavailable"}, status_code=status.HTTP_503_SERVICE_UNAVAILABLE
        )

    @app.exception_handler(Exception)
    async def _bug(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return JSONResponse(
            {"detail": "internal error"}, status_code=status.HTTP_500_INTERNAL_SERVER_ERROR
        )
