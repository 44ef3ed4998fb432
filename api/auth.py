"""API tokens: creation, revocation, listing and lookup. Only a SHA-256 of each secret is kept."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, get_args

import psycopg

Role = Literal["engineer", "supervisor", "integrity", "admin"]
ROLES: tuple[Role, ...] = get_args(Role)
TOKEN_PREFIX = "pw_"


@dataclass(frozen=True)
class Principal:
    token_id: int
    name: str
    role: Role


@dataclass(frozen=True)
class TokenInfo:
    id: int
    name: str
    role: Role
    created_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None


class TokenError(ValueError):
    pass


def hash_secret(secret: str) -> bytes:
    return hashlib.sha256(secret.encode("utf-8")).digest()


def new_secret() -> str:
    # The prefix lets secret scanners and people recognise a pilewatch token at a glance.
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def create_token(
    conn: psycopg.Connection[dict[str, Any]], name: str, role: str
) -> tuple[TokenInfo, str]:
    """A new token; the secret is returned once and never stored."""
    if role not in ROLES:
        raise TokenError(f"role {role!r} is not one of {', '.join(ROLES)}")
    if not name or not name.isprintable() or len(name) > 128:
        raise TokenError("name must be 1-128 printable characters")
    secret = new_secret()
    try:
        row = conn.execute(
            "INSERT INTO api_tokens (name, role, token_hash) VALUES (%s, %s, %s)"
            " RETURNING id, name, role, created_at, revoked_at, last_used_at",
            (name, role, hash_secret(secret)),
        ).fetchone()
    except psycopg.errors.UniqueViolation:
        raise TokenError(f"a live token named {name!r} exists; revoke it first") from None
    assert row is not None
    return TokenInfo(**row), secret


def revoke_tokens(
    conn: psycopg.Connection[dict[str, Any]],
    *,
    name: str | None = None,
    token_id: int | None = None,
) -> list[int]:
    """Revoke by name or id; returns the ids revoked (empty when nothing live matched)."""
    if (name is None) == (token_id is None):
        raise TokenError("give exactly one of name or id")
    rows = conn.execute(
        "UPDATE api_tokens SET revoked_at = now()"
        " WHERE revoked_at IS NULL AND (name = %s OR id = %s) RETURNING id",
        (name, token_id),
    ).fetchall()
    return [int(r["id"]) for r in rows]


def list_tokens(conn: psycopg.Connection[dict[str, Any]]) -> list[TokenInfo]:
    rows = conn.execute(
        "SELECT id, name, role, created_at, revoked_at, last_used_at FROM api_tokens ORDER BY id"
    ).fetchall()
    return [TokenInfo(**r) for r in rows]


def authenticate(conn: psycopg.Connection[dict[str, Any]], secret: str) -> Principal | None:
    """The live token's principal, or None for an unknown or revoked secret."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 256:
        return None
    row = conn.execute(
        "SELECT id, name, role FROM api_tokens WHERE token_hash = %s AND revoked_at IS NULL",
        (hash_secret(secret),),
    ).fetchone()
    if row is None:
        return None
    # Written at most once a minute per token, so a busy dashboard does not turn every read
    # into a write.
    conn.execute(
        "UPDATE api_tokens SET last_used_at = now() WHERE id = %s"
        " AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')",
        (row["id"],),
    )
    return Principal(token_id=int(row["id"]), name=str(row["name"]), role=row["role"])
