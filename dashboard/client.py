"""The dashboard's only way to the data: the pilewatch HTTP API (contract §3).

Reads go through ``st.cache_data`` with short TTLs (live figures 2 s, slower ones 20 s), keyed
on the API URL and token, so many browser tabs of one site office share one request. Nothing
is fetched at import. Every failure becomes an ``ApiError`` that pages show with ``st.error``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx
import streamlit as st

TIMEOUT_S = 15.0
LIVE_TTL_S = 2.0
SLOW_TTL_S = 20.0

Params = tuple[tuple[str, str], ...]


class ApiError(Exception):
    """A failed API call: ``status`` 0 when the API could not be reached."""

    def __init__(self, status: int, detail: str, url: str = "") -> None:
        super().__init__(f"{status}: {detail}")
        self.status = status
        self.detail = detail
        self.url = url


@dataclass(frozen=True)
class Conn:
    base_url: str
    token: str


def _detail(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:300] or response.reason_phrase
    if isinstance(body, dict) and "detail" in body:
        detail = body["detail"]
        if isinstance(detail, list):  # FastAPI validation errors
            return "; ".join(
                str(d.get("msg", d)) if isinstance(d, dict) else str(d) for d in detail
            )
        return str(detail)
    return str(body)[:300]


def _request(
    method: str,
    base_url: str,
    token: str,
    path: str,
    params: Params = (),
    json_body: dict[str, Any] | None = None,
) -> httpx.Response:
    url = base_url.rstrip("/") + path
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        response = httpx.request(
            method,
            url,
            params=[(k, v) for k, v in params],
            json=json_body,
            headers=headers,
            timeout=TIMEOUT_S,
        )
    except httpx.HTTPError as exc:
        raise ApiError(0, str(exc) or type(exc).__name__, base_url) from None
    if response.status_code >= 400:
        raise ApiError(response.status_code, _detail(response), base_url)
    return response


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        raise ApiError(response.status_code, "response is not JSON", str(response.url)) from None


@st.cache_data(ttl=LIVE_TTL_S, show_spinner=False, max_entries=512)
def _get_live(base_url: str, token: str, path: str, params: Params) -> Any:
    return _json(_request("GET", base_url, token, path, params))


@st.cache_data(ttl=SLOW_TTL_S, show_spinner=False, max_entries=256)
def _get_slow(base_url: str, token: str, path: str, params: Params) -> Any:
    return _json(_request("GET", base_url, token, path, params))


def _params(**values: object) -> Params:
    return tuple((k, str(v)) for k, v in values.items() if v is not None and v != "")


def _seg(value: str) -> str:
    """A pile id (any printable characters) as one path segment."""
    return quote(value, safe="")


def _get(conn: Conn, path: str, *, live: bool = True, **params: object) -> Any:
    getter = _get_live if live else _get_slow
    return getter(conn.base_url, conn.token, path, _params(**params))


def clear_live() -> None:
    _get_live.clear()


def _items(body: Any) -> list[dict[str, Any]]:
    """``{"items": [...]}`` (or a bare list, as some endpoints answer) as a list of dicts."""
    if isinstance(body, dict):
        body = body.get("items")
    if isinstance(body, list):
        return [i for i in body if isinstance(i, dict)]
    return []


def _obj(body: Any) -> dict[str, Any]:
    return body if isinstance(body, dict) else {}


# --- identity ------------------------------------------------------------------------------


def health(conn: Conn) -> dict[str, Any]:
    return _obj(_json(_request("GET", conn.base_url, "", "/api/v1/health")))


def me(conn: Conn) -> dict[str, Any]:
    """``{name, role}`` of the token; not cached (sign-in must see a revoked token)."""
    return _obj(_json(_request("GET", conn.base_url, conn.token, "/api/v1/me")))


# --- sites, rigs, piles -----------------------------------------------------------------


def sites(conn: Conn) -> list[dict[str, Any]]:
    return _items(_get(conn, "/api/v1/sites"))


def site_map(conn: Conn, site: str) -> list[dict[str, Any]]:
    return _items(_get(conn, f"/api/v1/sites/{_seg(site)}/map"))


def today(conn: Conn, site: str, date: str | None = None) -> dict[str, Any]:
    return _obj(_get(conn, f"/api/v1/sites/{_seg(site)}/today", date=date))


def rigs(conn: Conn, site: str) -> list[dict[str, Any]]:
    return _items(_get(conn, "/api/v1/rigs", site=site))


def piles(
    conn: Conn, site: str, status: str | None = None, limit: int = 500, cursor: str | None = None
) -> dict[str, Any]:
    return _obj(_get(conn, "/api/v1/piles", site=site, status=status, limit=limit, cursor=cursor))


def pile(conn: Conn, site: str, pile_id: str, *, live: bool = True) -> dict[str, Any]:
    return _obj(_get(conn, f"/api/v1/piles/{_seg(pile_id)}", live=live, site=site))


def profile(conn: Conn, site: str, pile_id: str, *, live: bool = True) -> dict[str, Any]:
    return _obj(_get(conn, f"/api/v1/piles/{_seg(pile_id)}/profile", live=live, site=site))


def telemetry(
    conn: Conn, site: str, pile_id: str, max_points: int = 1500, *, live: bool = True
) -> list[dict[str, Any]]:
    body = _obj(
        _get(
            conn,
            f"/api/v1/piles/{_seg(pile_id)}/telemetry",
            live=live,
            site=site,
            max_points=max_points,
        )
    )
    points = body.get("points")
    return [p for p in points if isinstance(p, dict)] if isinstance(points, list) else []


def report_pdf(conn: Conn, site: str, pile_id: str) -> bytes:
    path = f"/api/v1/piles/{_seg(pile_id)}/report.pdf"
    return _request("GET", conn.base_url, conn.token, path, _params(site=site)).content


# --- alerts ------------------------------------------------------------------------------


def alerts(
    conn: Conn,
    site: str | None = None,
    rig: str | None = None,
    pile_id: str | None = None,
    state: str | None = None,
    severity: str | None = None,
) -> list[dict[str, Any]]:
    body = _get(
        conn, "/api/v1/alerts", site=site, rig=rig, pile=pile_id, state=state, severity=severity
    )
    return _items(body)


def alert_history(conn: Conn, alert_id: int | str) -> list[dict[str, Any]]:
    return _items(_get(conn, f"/api/v1/alerts/{_seg(str(alert_id))}/history"))


def alert_action(conn: Conn, alert_id: int | str, action: str, comment: str) -> dict[str, Any]:
    """``action`` is ``ack`` or ``resolve``; the caller's role must allow it."""
    if action not in ("ack", "resolve"):
        raise ValueError(f"unknown alert action {action!r}")
    path = f"/api/v1/alerts/{_seg(str(alert_id))}/{action}"
    body = _json(_request("POST", conn.base_url, conn.token, path, json_body={"comment": comment}))
    clear_live()
    return _obj(body)


# --- quality -----------------------------------------------------------------------------


def statistics(conn: Conn, site: str, date_from: str, date_to: str) -> dict[str, Any]:
    path = f"/api/v1/sites/{_seg(site)}/statistics"
    return _obj(_get(conn, path, live=False, **{"from": date_from, "to": date_to}))


# --- replays -----------------------------------------------------------------------------


def replays(conn: Conn) -> dict[str, Any]:
    return _obj(_get(conn, "/api/v1/replays"))


def start_replay(conn: Conn, body: dict[str, Any]) -> dict[str, Any]:
    response = _request("POST", conn.base_url, conn.token, "/api/v1/replays", json_body=body)
    clear_live()
    return _obj(_json(response))


def replay_status(conn: Conn, replay_id: str) -> dict[str, Any]:
    return _obj(_get(conn, f"/api/v1/replays/{_seg(replay_id)}"))
