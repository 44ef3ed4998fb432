"""Dependencies shared by every router: settings, a pooled connection, the caller's role.

Routers use them as annotations::

    def handler(conn: DbConn, who: Annotated[Principal, Depends(require_roles("supervisor"))])

`admin` passes every role check.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated, Any

import psycopg
from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from psycopg_pool import ConnectionPool, PoolTimeout

from api.auth import ROLES, Principal, Role, authenticate
from runtime.settings import Settings

__all__ = [
    "ROLES",
    "DbConn",
    "Principal",
    "Reader",
    "Role",
    "SettingsDep",
    "get_conn",
    "get_settings",
    "require_roles",
]

# auto_error=False: a missing header must give our 401 with WWW-Authenticate, not a 403.
_bearer = HTTPBearer(auto_error=False, description="`Authorization: Bearer pw_…`")


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_conn(request: Request) -> Iterator[psycopg.Connection[dict[str, Any]]]:
    """An autocommit connection with dict rows, back to the pool when the request ends."""
    pool: ConnectionPool[psycopg.Connection[dict[str, Any]]] = request.app.state.pool
    try:
        with pool.connection(timeout=10.0) as conn:
            yield conn
    except PoolTimeout:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "database unavailable") from None


SettingsDep = Annotated[Settings, Depends(get_settings)]
DbConn = Annotated[psycopg.Connection[dict[str, Any]], Depends(get_conn)]


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED, detail, headers={"WWW-Authenticate": "Bearer"}
    )


def require_roles(*roles: Role) -> Callable[..., Principal]:
    """A dependency admitting a live token whose role is one of `roles` (or admin)."""
    for role in roles:
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r}")
    allowed = frozenset((*roles, "admin"))

    def dependency(
        conn: DbConn,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> Principal:
        if credentials is None or credentials.scheme.lower() != "bearer":
            raise _unauthorized("missing bearer token")
        principal = authenticate(conn, credentials.credentials)
        if principal is None:
            raise _unauthorized("invalid or revoked token")
        if principal.role not in allowed:
            needed = " or ".join(sorted(allowed))
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                f"role {principal.role!r} may not do this; needs {needed}",
            )
        return principal

    # Read by the role-matrix test, which walks every route for this marker.
    dependency.allowed_roles = allowed  # type: ignore[attr-defined]
    return dependency


# Every reading endpoint admits all four roles.
Reader = Annotated[
    Principal, Depends(require_roles("engineer", "supervisor", "integrity", "admin"))
]
