"""`pilewatch up`: the whole system on one machine.

Database and broker come from the settings, or are started for the run (embedded PostgreSQL in
the state folder, mosquitto or amqtt). Then ingester, analyser, witness, sealer, API,
dashboard and simulated rigs run as child processes, logging to `<state>/logs/`. Ctrl-C stops
them all, then the broker and the database.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from runtime.broker import RunningBroker, start_broker
from runtime.embedded_db import EmbeddedPostgres, start_embedded_postgres
from runtime.ports import free_port, wait_for_port
from runtime.settings import Settings

DEMO_SITE = "DEMO"


@dataclass
class UpOptions:
    rigs: int = 6
    scenario: str = "mixed"
    speed: float = 30.0
    piles: int = 60
    api_port: int = 8000
    dashboard_port: int = 8501
    dashboard: bool = True


@dataclass
class Child:
    name: str
    process: subprocess.Popen[bytes]
    log_path: Path
    log: IO[bytes]
    # A finished simulation is normal; a dead ingester is not.
    may_exit: bool = False


@dataclass
class Stack:
    settings: Settings
    options: UpOptions
    say: Say
    db: EmbeddedPostgres | None = None
    broker: RunningBroker | None = None
    children: list[Child] = field(default_factory=list)


class Say:
    def __init__(self, stream: IO[str] | None = None) -> None:
        self.stream = stream or sys.stdout

    def __call__(self, line: str) -> None:
        print(line, file=self.stream, flush=True)


def port_or_free(port: int) -> int:
    import socket

    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return free_port()
    return port


def run_up(settings: Settings, options: UpOptions, stop: threading.Event) -> int:
    stack = Stack(settings=settings, options=options, say=Say())
    try:
        _start(stack)
        return _watch(stack, stop)
    finally:
        _shutdown(stack)


def _start(stack: Stack) -> None:
    from alerts.rulebook import load_rulebook  # noqa: F401 - fail early on a broken install
    from storage.migrations import migrate

    settings, options, say = stack.settings, stack.options, stack.say
    state = settings.state_dir.resolve()
    (state / "logs").mkdir(parents=True, exist_ok=True)
    database_url = settings.database_url
    if not database_url:
        say("starting embedded PostgreSQL …")
        stack.db = start_embedded_postgres(state / "postgres")
        database_url = stack.db.url
    mqtt_url, protocol = settings.mqtt_url, settings.mqtt_protocol
    if not mqtt_url:
        stack.broker = start_broker(state / "broker")
        mqtt_url, protocol = stack.broker.url, stack.broker.protocol
    migrate(database_url, settings)
    token = _demo_token(database_url, state)
    plan_file = _demo_plan(database_url, state, options.piles)
    log_vkey, witness_vkey = _ledger_keys(settings, state)
    api_port = port_or_free(options.api_port)
    dashboard_port = port_or_free(options.dashboard_port)
    witness_port = free_port()
    api_url = f"http://127.0.0.1:{api_port}"
    env = {
        **os.environ,
        "PILEWATCH_DATABASE_URL": database_url,
        "PILEWATCH_MQTT_URL": mqtt_url,
        "PILEWATCH_MQTT_PROTOCOL": protocol,
        "PILEWATCH_STATE_DIR": str(state),
        "PILEWATCH_API_URL": api_url,
        "PILEWATCH_LEDGER_WITNESSES": f"http://127.0.0.1:{witness_port}={witness_vkey}",
        "PILEWATCH_LEDGER_WITNESS_QUORUM": "1",
        "PILEWATCH_LEDGER_PUBLIC_URL": api_url,
    }
    pw = [sys.executable, "-m", "cli.main"]
    _spawn(stack, "ingest", [*pw, "ingest"], env)
    _spawn(stack, "analyse", [*pw, "analyse"], env)
    _spawn(
        stack,
        "witness",
        [
            *pw,
            "witness",
            "--port",
            str(witness_port),
            "--state-dir",
            str(state / "witness"),
            "--log-key",
            log_vkey,
        ],
        env,
    )
    _spawn(stack, "seal", [*pw, "seal", "run"], env)
    _spawn(stack, "api", [*pw, "api", "--port", str(api_port)], env)
    wait_for_port("127.0.0.1", api_port, 60)
    if options.dashboard:
        _spawn(
            stack,
            "dashboard",
            [*pw, "dashboard", "--port", str(dashboard_port)],
            {**env, "PILEWATCH_API_TOKEN": token},
        )
        # The URL printed below must answer when the user opens it.
        wait_for_port("127.0.0.1", dashboard_port, 90)
    _spawn(
        stack,
        "simulate",
        [
            *pw,
            "simulate",
            "--site",
            DEMO_SITE,
            "--rigs",
            str(options.rigs),
            "--scenario",
            options.scenario,
            "--speed",
            str(options.speed),
            "--plan",
            str(plan_file),
            "--ground-truth",
            str(state / "ground-truth.json"),
        ],
        env,
        may_exit=True,
    )
    say("")
    say("pilewatch (软基智控) is up")
    if options.dashboard:
        say(f"dashboard: http://127.0.0.1:{dashboard_port}")
    say(f"api      : {api_url}/docs")
    say(f"token    : {token}   (demo admin token, local only)")
    say(f"database : {database_url}")
    say(f"broker   : {mqtt_url} (MQTT {protocol})")
    say(f"ledger   : log key {log_vkey}")
    say(f"witness  : http://127.0.0.1:{witness_port} cosigns each checkpoint; key {witness_vkey}")
    say(f"logs     : {state / 'logs'}")
    say("Ctrl-C stops everything.")


def _spawn(
    stack: Stack, name: str, argv: list[str], env: dict[str, str], *, may_exit: bool = False
) -> None:
    log_path = stack.settings.state_dir.resolve() / "logs" / f"{name}.log"
    log = log_path.open("ab")
    process = subprocess.Popen(
        argv,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=Path(__file__).resolve().parents[1],
        start_new_session=True,  # Ctrl-C reaches `up`, which stops children in order
    )
    stack.children.append(Child(name, process, log_path, log, may_exit))


def _watch(stack: Stack, stop: threading.Event) -> int:
    while not stop.wait(1.0):
        for child in stack.children:
            code = child.process.poll()
            if code is not None and not (child.may_exit and code == 0):
                stack.say(f"{child.name} stopped with exit code {code}; see {child.log_path}")
                return 1
    return 0


def _shutdown(stack: Stack) -> None:
    for child in reversed(stack.children):
        if child.process.poll() is None:
            child.process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 15
    for child in reversed(stack.children):
        try:
            child.process.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.process.kill()
            child.process.wait()
        child.log.close()
    if stack.broker is not None:
        stack.broker.stop()
    if stack.db is not None:
        stack.db.stop()


def _demo_token(database_url: str, state: Path) -> str:
    from api.auth import authenticate, create_token, revoke_tokens
    from storage.db import connect

    path = state / "demo-token"
    with connect(database_url) as conn:
        if path.exists():
            secret = path.read_text().strip()
            if authenticate(conn, secret) is not None:
                return secret
        with contextlib.suppress(Exception):
            revoke_tokens(conn, name="demo")
        _info, secret = create_token(conn, "demo", "admin")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(secret + "\n")
    return secret


def _demo_plan(database_url: str, state: Path, piles: int) -> Path:
    from simulators.site import generate_plan
    from siteplan.csv_format import parse_plan_csv, plan_to_csv
    from storage.db import connect
    from storage.plans import import_plan

    path = state / "demo-plan.csv"
    if not path.exists():
        path.write_text(plan_to_csv(list(generate_plan(DEMO_SITE, piles, seed=1))))
    with connect(database_url) as conn:
        import_plan(conn, DEMO_SITE, parse_plan_csv(path.read_text()))
    return path


def _ledger_keys(settings: Settings, state: Path) -> tuple[str, str]:
    from sealing.signer import load_log_key
    from sealing.witness_server import Witness

    log_key, _created = load_log_key(state, settings.ledger_origin)
    witness = Witness(state / "witness", log_key.vkey)
    return log_key.vkey, witness.vkey
