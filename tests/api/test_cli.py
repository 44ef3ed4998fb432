from __future__ import annotations

from click.testing import CliRunner
from fastapi.testclient import TestClient

from cli.main import main
from tests.api.conftest import bearer


def test_token_create_list_revoke(database_url: str, client: TestClient) -> None:
    runner = CliRunner()
    env = {"PILEWATCH_DATABASE_URL": database_url}
    r = runner.invoke(main, ["token", "create", "--role", "supervisor", "--name", "ops"], env=env)
    assert r.exit_code == 0, r.output
    secret = r.output.strip().splitlines()[-1]
    assert secret.startswith("pw_") and " " not in secret
    me = client.get("/api/v1/me", headers=bearer(secret))
    assert me.status_code == 200 and me.json() == {"name": "ops", "role": "supervisor"}

    r = runner.invoke(main, ["token", "create", "--role", "admin", "--name", "ops"], env=env)
    assert r.exit_code != 0 and "revoke it first" in r.output

    listing = runner.invoke(main, ["token", "list"], env=env).output
    assert "ops" in listing and "supervisor" in listing and secret not in listing

    r = runner.invoke(main, ["token", "revoke", "--name", "ops"], env=env)
    assert r.exit_code == 0, r.output
    assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 401
    r = runner.invoke(main, ["token", "revoke", "--id", "999"], env=env)
    assert r.exit_code != 0
    r = runner.invoke(main, ["token", "create", "--role", "boss", "--name", "x"], env=env)
    assert r.exit_code != 0


def test_api_command_help() -> None:
    r = CliRunner().invoke(main, ["api", "--help"])
    assert r.exit_code == 0 and "--host" in r.output and "--port" in r.output
