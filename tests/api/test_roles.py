"""Every route × every role, generated from the app's routes so a new route can't be missed.

A route is protected when one of its dependencies carries `allowed_roles` (set by
`api.deps.require_roles`); a route without one must be listed in PUBLIC.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from api.app import create_app
from api.auth import ROLES
from runtime.settings import get_settings
from tests.api import builders as b
from tests.api.conftest import bearer

# Public by contract §3: health, and the public verification of sealed records.
PUBLIC = re.compile(r"^(/api/v1/(health|public/.*)|/verify/.*)$")
# Never read to the end: an allowed caller would wait on the stream.
STREAMING = re.compile(r"/stream$")
PARAMS = {"pile": "P-1", "site": "S1", "rig": "R1"}


def _walk(dependant: Dependant) -> Iterator[Callable[..., Any]]:
    for sub in dependant.dependencies:
        if sub.call is not None:
            yield sub.call
        yield from _walk(sub)


def allowed_roles(route: APIRoute) -> frozenset[str] | None:
    for call in _walk(route.dependant):
        roles = getattr(call, "allowed_roles", None)
        if roles is not None:
            return frozenset(roles)
    return None


def _api_routes(routes: list[Any]) -> Iterator[APIRoute]:
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        # Newer FastAPI keeps included routers whole (routers here carry their own prefix).
        inner = getattr(route, "original_router", None)
        if inner is not None:
            yield from _api_routes(inner.routes)


APP = create_app(get_settings(database_url="postgresql:///unused"))
ROUTES = sorted(
    (method, route.path_format, allowed_roles(route))
    for route in _api_routes(APP.routes)
    for method in route.methods - {"HEAD", "OPTIONS"}
)


def test_routes_found_match_openapi() -> None:
    documented = {
        (method.upper(), path) for path, item in APP.openapi()["paths"].items() for method in item
    }
    assert {(m, p) for m, p, _ in ROUTES} == documented


CALLERS = [*ROLES, "none", "revoked"]


def test_every_route_is_protected_or_public() -> None:
    unprotected = [path for _, path, roles in ROUTES if roles is None and not PUBLIC.match(path)]
    assert unprotected == []


def _url(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: PARAMS.get(m.group(1), "1"), path)


@pytest.fixture
def seeded(database_url: str) -> str:
    with b.open_db(database_url) as conn:
        b.planned(conn, "S1", "P-1")
        b.pile(conn, "S1", "P-1")
        b.rig(conn, "S1", "R1")
    return database_url


def _check(client: TestClient, tokens: dict[str, str], method: str, path: str,
           roles: frozenset[str] | None) -> list[str]:  # fmt: skip
    problems = []
    url = _url(path)
    for caller in CALLERS:
        headers = {} if caller == "none" else bearer(tokens[caller])
        allowed = roles is None or caller in roles
        if allowed and STREAMING.search(path):
            continue
        kwargs: dict[str, Any] = {"headers": headers}
        if method in {"POST", "PUT", "PATCH"}:
            kwargs["content"] = b""
        r = client.request(method, url, **kwargs)
        code = r.status_code
        if code >= 500:
            ok = False
        elif roles is None or (allowed and caller not in ("none", "revoked")):
            ok = code not in (401, 403)
        elif caller in ("none", "revoked"):
            ok = code == 401 and r.headers.get("www-authenticate") == "Bearer"
        else:
            detail = r.json().get("detail", "")
            ok = code == 403 and any(role in detail for role in roles)
        if not ok:
            problems.append(f"{method} {path} as {caller}: {code} {r.text[:120]}")
    return problems


def test_role_matrix(client: TestClient, tokens: dict[str, str], seeded: str) -> None:
    """One database for the whole matrix (a database per case would take half a minute)."""
    problems = [p for m, path, roles in ROUTES for p in _check(client, tokens, m, path, roles)]
    assert problems == []


OURS = {
    "/api/v1/me",
    "/api/v1/piles",
    "/api/v1/piles/{pile}",
    "/api/v1/piles/{pile}/profile",
    "/api/v1/piles/{pile}/telemetry",
    "/api/v1/piles/{pile}/report.html",
    "/api/v1/piles/{pile}/report.pdf",
    "/api/v1/sites",
    "/api/v1/sites/{site}/map",
    "/api/v1/sites/{site}/today",
    "/api/v1/sites/{site}/statistics",
    "/api/v1/rigs",
    "/api/v1/rigs/{rig}",
    "/api/v1/exports/piles.csv",
    "/api/v1/exports/piles.xlsx",
    "/api/v1/exports/alerts.csv",
    "/api/v1/exports/alerts.xlsx",
}


def test_reading_and_plan_roles() -> None:
    """The matrix of this API's own routes (others' routers choose their own roles)."""
    readers = frozenset(ROLES)
    table = {(m, p): r for m, p, r in ROUTES}
    assert {p for _, p in table} >= OURS
    for (method, path), roles in table.items():
        if path == "/api/v1/sites/{site}/plan":
            assert roles == {"engineer", "admin"}
        elif method == "GET" and path in OURS:
            assert roles == readers, path
