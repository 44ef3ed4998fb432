"""Alerts (contract §3): list, one alert, its history, acknowledge / resolve, the SSE
stream, and webhooks (admin).

Reading: engineer, supervisor, integrity, admin. Acknowledge and resolve: supervisor (and
admin). An illegal transition answers 409 with the alert's current state.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, HTTPException, Query, Request, status
from fastapi.responses import StreamingResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field

from alerts import feed
from alerts.lifecycle import AlertNotFound, IllegalTransition, acknowledge, resolve
from api.deps import DbConn, Principal, Reader, SettingsDep, require_roles
from api.errors import AUTH_ERRORS, error_responses

router = APIRouter(prefix="/api/v1", tags=["alerts"], responses=AUTH_ERRORS)

Supervisor = Annotated[Principal, Depends(require_roles("supervisor"))]
Admin = Annotated[Principal, Depends(require_roles("admin"))]
Severity = Literal["info", "warning", "critical"]
State = Literal["open", "acknowledged", "resolved"]
ONE = error_responses(404)


class AlertOut(BaseModel):
    id: int
    site: str
    rig: str | None
    pile: str | None
    rule: str
    severity: Severity
    state: State
    depth_top_m: float | None
    depth_bottom_m: float | None
    value: float | None
    limit: float | None
    message: str
    raised_at: datetime
    updated_at: datetime | None = None
    acknowledged_by: str | None = None
    acknowledged_at: datetime | None = None
    resolved_by: str | None = None
    resolved_at: datetime | None = None
    comment: str | None = None
    escalated_at: datetime | None = None
    recovered_at: datetime | None = None
    rules_digest: str | None = None
    pile_revision: int | None = None


class AlertList(BaseModel):
    items: list[AlertOut]
    next: str | None


class HistoryOut(BaseModel):
    id: int
    at: datetime
    actor: str
    action: str
    from_state: str | None
    to_state: str
    comment: str | None
    snapshot: dict[str, Any]


class TransitionIn(BaseModel):
    comment: str | None = Field(default=None, max_length=2000)


def _invalid(exc: feed.FeedError) -> HTTPException:
    return HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc))


@router.get("/alerts", response_model=AlertList)
def list_alerts(
    conn: DbConn,
    who: Reader,
    site: Annotated[str | None, Query(description="Only this site")] = None,
    pile: Annotated[str | None, Query(description="Only this pile")] = None,
    state: Annotated[State | None, Query()] = None,
    severity: Annotated[Severity | None, Query()] = None,
    rig: Annotated[str | None, Query(description="Only this rig")] = None,
    rule: Annotated[str | None, Query(description="Only this rule")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    cursor: Annotated[
        str | None, Query(max_length=32, description="`next` of the page before")
    ] = None,
) -> dict[str, Any]:
    """Alerts, newest first."""
    try:
        items, nxt = feed.list_alerts(
            conn,
            site=site,
            pile=pile,
            state=state,
            severity=severity,
            rig=rig,
            rule=rule,
            limit=limit,
            cursor=cursor,
        )
    except feed.FeedError as exc:
        raise _invalid(exc) from None
    return {"items": items, "next": nxt}


_bearer = HTTPBearer(auto_error=False)
_stream_roles = require_roles("engineer", "supervisor", "integrity", "admin")


def stream_reader(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    # The role check with a pooled connection given back at once: the stream itself holds
    # only its own LISTEN connection, not one of the pool's.
    with request.app.state.pool.connection(timeout=10.0) as conn:
        principal: Principal = _stream_roles(conn, credentials)
        return principal


stream_reader.allowed_roles = _stream_roles.allowed_roles  # type: ignore[attr-defined]


@router.get(
    "/alerts/stream",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "server-sent events"}},
)
async def alert_stream(
    who: Annotated[Principal, Depends(stream_reader)],
    settings: SettingsDep,
    site: Annotated[str | None, Query(description="Only this site")] = None,
    severity: Annotated[
        str | None, Query(description="A severity or a comma-separated list of them")
    ] = None,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID")] = None,
) -> StreamingResponse:
    """One `data:` line of alert JSON per change (raised, updated, recovered, relapsed,
    acknowledged, resolved, escalated), `id:` the event id; send `Last-Event-ID` to resume.
    A `: heartbeat` comment comes every 15 s."""
    try:
        flt = feed.StreamFilter(site, feed.severity_set(severity))
        after = feed.parse_event_id(last_event_id)
    except feed.FeedError as exc:
        raise _invalid(exc) from None
    assert settings.database_url is not None
    return StreamingResponse(
        feed.stream_events(settings.database_url, flt, after),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


@router.get("/alerts/{alert_id}", response_model=AlertOut, responses=ONE)
def get_alert(alert_id: int, conn: DbConn, who: Reader) -> dict[str, Any]:
    found = feed.get_alert_json(conn, alert_id)
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"alert {alert_id} does not exist")
    return found


@router.get("/alerts/{alert_id}/history", response_model=list[HistoryOut], responses=ONE)
def get_history(alert_id: int, conn: DbConn, who: Reader) -> list[dict[str, Any]]:
    """Every change of the alert, oldest first, with a snapshot of the alert after it."""
    if feed.get_alert_json(conn, alert_id) is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"alert {alert_id} does not exist")
    return feed.alert_history(conn, alert_id)


def _transition(
    conn: DbConn, alert_id: int, who: Principal, body: TransitionIn | None, action: str
) -> dict[str, Any]:
    comment = body.comment if body is not None else None
    try:
        fn = acknowledge if action == "ack" else resolve
        change = fn(conn, alert_id, who.name, comment)
    except AlertNotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None
    except IllegalTransition as exc:
        raise HTTPException(
            status.HTTP_409_CONFLICT, {"message": str(exc), "state": exc.state, "id": alert_id}
        ) from None
    found = feed.get_alert_json(conn, change.alert_id)
    assert found is not None
    return found


TRANSITION_ERRORS = error_responses(404) | {409: {"description": "Not allowed from this state"}}


@router.post("/alerts/{alert_id}/ack", response_model=AlertOut, responses=TRANSITION_ERRORS)
def ack_alert(
    alert_id: int, conn: DbConn, who: Supervisor, body: TransitionIn | None = None
) -> dict[str, Any]:
    """open → acknowledged, recording who, when and the comment."""
    return _transition(conn, alert_id, who, body, "ack")


@router.post("/alerts/{alert_id}/resolve", response_model=AlertOut, responses=TRANSITION_ERRORS)
def resolve_alert(
    alert_id: int, conn: DbConn, who: Supervisor, body: TransitionIn | None = None
) -> dict[str, Any]:
    """open or acknowledged → resolved, recording who, when and the comment."""
    return _transition(conn, alert_id, who, body, "resolve")


class WebhookIn(BaseModel):
    url: str = Field(pattern=r"^https?://\S+$", max_length=2000)
    secret: str | None = Field(default=None, min_length=16, max_length=200)
    site: str | None = Field(default=None, max_length=64)
    min_severity: Severity = "warning"


class WebhookOut(BaseModel):
    id: int
    url: str
    site: str | None
    min_severity: Severity
    active: bool
    created_by: str
    created_at: datetime
    secret: str | None = Field(default=None, description="Only in the answer to POST")


def _webhook(row: dict[str, Any], secret: str | None = None) -> dict[str, Any]:
    return {
        "id": row["id"],
        "url": row["url"],
        "site": row["site_id"],
        "min_severity": row["min_severity"],
        "active": row["active"],
        "created_by": row["created_by"],
        "created_at": row["created_at"],
        "secret": secret,
    }


@router.post("/webhooks", response_model=WebhookOut, status_code=status.HTTP_201_CREATED)
def create_webhook(body: WebhookIn, conn: DbConn, who: Admin) -> dict[str, Any]:
    """A webhook receiving every alert change of `site` (all sites when null) at or above
    `min_severity`, from now on; the secret (generated when not given) is shown once."""
    secret = body.secret or secrets.token_urlsafe(32)
    row = conn.execute(
        "INSERT INTO webhooks (url, secret, site_id, min_severity, created_by, start_event_id)"
        " VALUES (%s, %s, %s, %s, %s, (SELECT coalesce(max(id), 0) FROM alert_events))"
        " RETURNING *",
        (body.url, secret, body.site, body.min_severity, who.name),
    ).fetchone()
    assert row is not None
    return _webhook(row, secret)


@router.get("/webhooks", response_model=list[WebhookOut])
def list_webhooks(conn: DbConn, who: Admin) -> list[dict[str, Any]]:
    rows = conn.execute("SELECT * FROM webhooks WHERE active ORDER BY id").fetchall()
    return [_webhook(r) for r in rows]


@router.delete("/webhooks/{webhook_id}", response_model=WebhookOut, responses=ONE)
def delete_webhook(webhook_id: int, conn: DbConn, who: Admin) -> dict[str, Any]:
    """Deactivates the webhook (its delivery records are kept)."""
    row = conn.execute(
        "UPDATE webhooks SET active = false WHERE id = %s AND active RETURNING *", (webhook_id,)
    ).fetchone()
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"webhook {webhook_id} does not exist")
    return _webhook(row)
