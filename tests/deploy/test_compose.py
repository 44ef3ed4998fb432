"""docker-compose.yml, Dockerfile, .env.example and the broker files, checked structurally
(Docker is not needed): commands are real `pilewatch` subcommands, PILEWATCH_* variables are
Settings fields, secrets come only from .env, ingest replicas share one subscription group."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import click
import pytest
import yaml
from setuptools import find_packages

from cli.main import main as pilewatch_cli
from runtime.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / ".env.example"
MOSQUITTO = ROOT / "deploy" / "mosquitto"

REF = re.compile(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?P<op>:?[-?])?(?P<arg>[^}]*)\}")
SECRET_NAME = re.compile(r"PASSWORD|PASSWD|SECRET|TOKEN", re.I)


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    result: dict[str, dict[str, Any]] = compose["services"]
    return result


def pilewatch_services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        name: s
        for name, s in services(compose).items()
        if "build" in s or str(s.get("image", "")).startswith("pilewatch")
    }


def environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {str(k): str(v) for k, v in env.items()}


def env_example() -> dict[str, str]:
    values: dict[str, str] = {}
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, sep, value = line.partition("=")
            assert sep, f".env.example line {line!r} is not NAME=value"
            values[key] = value
    return values


def all_strings(node: object) -> list[str]:
    if isinstance(node, dict):
        return [s for k, v in node.items() for s in (*all_strings(k), *all_strings(v))]
    if isinstance(node, list):
        return [s for v in node for s in all_strings(v)]
    return [str(node)] if node is not None else []


def test_the_services_are_there(compose: dict[str, Any]) -> None:
    names = set(services(compose))
    assert {"timescaledb", "mosquitto", "analyse", "seal", "witness", "api", "dashboard"} <= names
    ingesters = [n for n, s in pilewatch_services(compose).items() if s["command"] == ["ingest"]]
    assert len(ingesters) >= 2
    assert services(compose)["timescaledb"]["image"].startswith("timescale/timescaledb:")
    assert "healthcheck" in services(compose)["timescaledb"]
    assert services(compose)["mosquitto"]["image"].startswith("eclipse-mosquitto:2")


def _resolve(args: list[str]) -> tuple[click.Command, str, list[str]]:
    command: click.Command = pilewatch_cli
    name = "pilewatch"
    rest = list(args)
    while isinstance(command, click.Group):
        assert rest, f"{name} needs a subcommand"
        sub = command.commands.get(rest[0])
        assert sub is not None, (
            f"{rest[0]!r} is not a subcommand of {name}: {sorted(command.commands)}"
        )
        command, name, rest = sub, f"{name} {rest[0]}", rest[1:]
    return command, name, rest


def test_every_command_is_a_pilewatch_subcommand(compose: dict[str, Any]) -> None:
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert 'ENTRYPOINT ["pilewatch"]' in dockerfile
    found = pilewatch_services(compose)
    assert len(found) >= 7
    for service_name, service in found.items():
        args = service.get("command")
        assert isinstance(args, list) and args, f"{service_name}: command must be a list"
        command, name, rest = _resolve([str(a) for a in args])
        # Parses the options as the command would (unknown options, bad types, missing
        # required ones fail here) without running it.
        try:
            command.make_context(name, rest)
        except click.ClickException as exc:
            pytest.fail(f"{service_name}: `{name} {' '.join(rest)}`: {exc.format_message()}")


def test_every_pilewatch_variable_is_a_settings_field(compose: dict[str, Any]) -> None:
    fields = {f"PILEWATCH_{name.upper()}" for name in Settings.model_fields}
    used = set(env_example())
    for service in services(compose).values():
        used |= set(environment(service))
    for text in all_strings(compose):
        used |= {m["name"] for m in REF.finditer(text)}
    pilewatch = {v for v in used if v.startswith("PILEWATCH_")}
    # Compose-only knobs (host ports), never read by pilewatch itself.
    ports = {v for v in pilewatch if v.endswith("_PORT") and v not in fields}
    assert ports <= {"PILEWATCH_MQTT_PORT", "PILEWATCH_API_PORT", "PILEWATCH_DASHBOARD_PORT"}
    assert pilewatch - ports <= fields, sorted(pilewatch - ports - fields)
    for service in pilewatch_services(compose).values():
        assert set(environment(service)) - ports <= fields


def test_no_literal_passwords(compose: dict[str, Any]) -> None:
    required = set()
    for service_name, service in services(compose).items():
        for key, value in environment(service).items():
            if SECRET_NAME.search(key):
                ref = REF.fullmatch(value)
                assert ref, f"{service_name}: {key} must come from .env, not {value!r}"
                if re.search("PASSWORD", key):
                    assert ref["op"] == ":?", f"{service_name}: {key} must be required (:?)"
            # Credentials inside URLs: the password part must be a required reference.
            for m in re.finditer(r"://[^:/@\s]+:([^@\s]*)@", value):
                ref = REF.fullmatch(m.group(1))
                assert ref and ref["op"] == ":?", f"{service_name}: {key} has a literal password"
    for text in all_strings(compose):
        for m in REF.finditer(text):
            if m["op"] == ":?":
                required.add(m["name"])
            if SECRET_NAME.search(m["name"]) and m["op"] != ":?":
                assert not m["arg"], f"{m['name']} has a default value {m['arg']!r}"
    assert {"POSTGRES_PASSWORD", "MQTT_INGEST_PASSWORD"} <= required
    example = env_example()
    assert required <= set(example), sorted(required - set(example))
    for key, value in example.items():
        if SECRET_NAME.search(key):
            assert value == "", f".env.example gives {key} a value"
    ignored = (ROOT / ".gitignore").read_text(encoding="utf-8").split()
    assert ".env" in ignored and "deploy/mosquitto/passwd" in ignored
    assert not (MOSQUITTO / "passwd").exists() or "deploy/mosquitto/passwd" in ignored


def test_ingest_replicas_share_a_group(compose: dict[str, Any]) -> None:
    replicas = {
        n: environment(s)
        for n, s in pilewatch_services(compose).items()
        if s["command"] == ["ingest"]
    }
    ids = [env["PILEWATCH_INGEST_CLIENT_ID"] for env in replicas.values()]
    assert len(set(ids)) == len(ids) >= 2
    groups = {env.get("PILEWATCH_INGEST_SHARED_GROUP") for env in replicas.values()}
    assert len(groups) == 1 and None not in groups and "" not in groups
    for env in replicas.values():
        assert env["PILEWATCH_MQTT_USERNAME"] == "ingest"
        assert env["PILEWATCH_MQTT_URL"].startswith("mqtt://mosquitto:")


def test_database_services_require_timescaledb(compose: dict[str, Any]) -> None:
    with_db = [
        env
        for env in map(environment, services(compose).values())
        if "PILEWATCH_DATABASE_URL" in env
    ]
    assert len(with_db) >= 5
    assert all(env["PILEWATCH_TIMESCALEDB"] == "require" for env in with_db)
    assert all("@timescaledb:" in env["PILEWATCH_DATABASE_URL"] for env in with_db)


def test_state_volumes(compose: dict[str, Any]) -> None:
    def volumes(name: str) -> set[str]:
        return {v.split(":")[0] for v in services(compose)[name].get("volumes", [])}

    declared = set(compose["volumes"])
    assert "witness" in volumes("witness") and "seal" in volumes("seal")
    assert {"witness", "seal"} <= declared
    # The witness stands apart: nobody else mounts its key.
    others = set().union(*(volumes(n) for n in services(compose) if n != "witness"))
    assert "witness" not in others
    witness_args = [str(a) for a in services(compose)["witness"]["command"]]
    assert "/var/lib/pilewatch-witness" in witness_args


def test_mosquitto_files() -> None:
    conf = (MOSQUITTO / "mosquitto.conf").read_text(encoding="utf-8")
    directives = {
        line.split()[0]: line.split(None, 1)[1] if " " in line else ""
        for line in conf.splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert directives["allow_anonymous"] == "false"
    assert "password_file" in directives and "acl_file" in directives
    acl = (MOSQUITTO / "acl").read_text(encoding="utf-8")
    assert re.search(r"^pattern write pilewatch/v1/\+/%u/#$", acl, re.M)
    assert re.search(r"^user ingest$", acl, re.M)
    script = MOSQUITTO / "add-rig.sh"
    assert script.stat().st_mode & 0o111 and "mosquitto_passwd" in script.read_text()


def test_the_package_installs_every_package() -> None:
    """The image is `pip install .`: every top-level package must be in the wheel."""
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    include = pyproject["tool"]["setuptools"]["packages"]["find"]["include"]
    installed = {p.split(".")[0] for p in find_packages(str(ROOT), include=include)}
    everything = {p.split(".")[0] for p in find_packages(str(ROOT))} - {"tests", "bench"}
    assert everything <= installed, sorted(everything - installed)
