"""`GET /api/v1/health`: no token; the state of the database and broker links."""

from __future__ import annotations

import socket
from typing import Literal

from fastapi import APIRouter, Request, Response, status
from pydantic import BaseModel

from api.deps import SettingsDep
from runtime.settings import mqtt_host_port

router = APIRouter(prefix="/api/v1", tags=["health"])


class LinkState(BaseModel):
    state: Literal["ok", "down", "not configured"]
    detail: str | None = None


class HealthOut(BaseModel):
    status: Literal["ok", "degraded"]
    database: LinkState
    broker: LinkState


def _database_state(request: Request) -> LinkState:
    pool = request.app.state.pool
    try:
        with pool.connection(timeout=2.0) as conn:
            conn.execute("SELECT 1")
    except Exception as exc:  # any failure is the answer, not an error of this endpoint
        return LinkState(state="down", detail=type(exc).__name__)
    return LinkState(state="ok")


def _broker_state(mqtt_url: str | None) -> LinkState:
    if not mqtt_url:
        return LinkState(state="not configured")
    host, port = mqtt_host_port(mqtt_url)
    try:
        with socket.create_connection((host, port), timeout=1.0):
            pass
    except OSError as exc:
        return LinkState(state="down", detail=f"{host}:{port}: {exc.strerror or exc}")
    return LinkState(state="ok", detail=f"{host}:{port}")


@router.get(
    "/health",
    response_model=HealthOut,
    responses={503: {"model": HealthOut, "description": "The database is unreachable"}},
)
def health(request: Request, response: Response, settings: SettingsDep) -> HealthOut:
    """`ok` while the database answers; the broker is reported but only the ingester needs
    it, so a broker outage does not make the API unhealthy."""
    database = _database_state(request)
    broker = _broker_state(settings.mqtt_url)
    if database.state != "ok":
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
        return HealthOut(status="degraded", database=database, broker=broker)
    return HealthOut(status="ok", database=database, broker=broker)
