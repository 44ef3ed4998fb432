"""`pilewatch api` and `pilewatch token …` (contract §4)."""

from __future__ import annotations

import click

from runtime.settings import Settings, get_settings


def _database_url(settings: Settings) -> str:
    if not settings.database_url:
        raise click.UsageError(
            "PILEWATCH_DATABASE_URL is not set (only `pilewatch up` starts an embedded database)"
        )
    return settings.database_url


def _migrated_url() -> str:
    from storage.migrations import migrate

    settings = get_settings()
    url = _database_url(settings)
    migrate(url, settings)
    return url


@click.command("api")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
def api(host: str, port: int) -> None:
    """Run the HTTP API (configured from PILEWATCH_*); migrates the database first."""
    import uvicorn

    from api.app import create_app

    _migrated_url()
    uvicorn.run(create_app(get_settings()), host=host, port=port, log_level="info")


@click.group("token")
def token() -> None:
    """API tokens: only a hash is stored, the secret is shown once."""


@token.command("create")
@click.option(
    "--role",
    required=True,
    type=click.Choice(["engineer", "supervisor", "integrity", "admin"]),
)
@click.option("--name", required=True, help="Who or what holds the token (unique while live).")
def token_create(role: str, name: str) -> None:
    """Create a token; its secret is printed alone on the last line."""
    from api.auth import TokenError, create_token
    from storage.db import connect

    with connect(_migrated_url()) as conn:
        try:
            info, secret = create_token(conn, name, role)
        except TokenError as exc:
            raise click.ClickException(str(exc)) from None
    click.echo(f"token {info.id} {info.name!r} ({info.role}); keep it, it is not shown again:")
    click.echo(secret)


@token.command("revoke")
@click.option("--name", default=None, help="Revoke the live token with this name.")
@click.option("--id", "token_id", type=int, default=None, help="Revoke the token with this id.")
def token_revoke(name: str | None, token_id: int | None) -> None:
    """Revoke a token by name or id."""
    from api.auth import TokenError, revoke_tokens
    from storage.db import connect

    with connect(_migrated_url()) as conn:
        try:
            revoked = revoke_tokens(conn, name=name, token_id=token_id)
        except TokenError as exc:
            raise click.UsageError(str(exc)) from None
    if not revoked:
        raise click.ClickException("no live token matched")
    click.echo(f"revoked token(s) {', '.join(map(str, revoked))}")


@token.command("list")
def token_list() -> None:
    """Tokens with role and state (never their secrets)."""
    from api.auth import list_tokens
    from storage.db import connect

    with connect(_migrated_url()) as conn:
        tokens = list_tokens(conn)
    click.echo(f"{'id':>5}  {'role':<10}  {'state':<8}  {'last used':<20}  name")
    for t in tokens:
        state = "revoked" if t.revoked_at else "live"
        used = t.last_used_at.strftime("%Y-%m-%d %H:%M:%S") if t.last_used_at else "never"
        click.echo(f"{t.id:>5}  {t.role:<10}  {state:<8}  {used:<20}  {t.name}")
