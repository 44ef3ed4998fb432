"""Real services for the tests: a PostgreSQL server and an MQTT broker.

PostgreSQL: PILEWATCH_DATABASE_URL when set (any PostgreSQL or TimescaleDB), else an
embedded PostgreSQL started for the session. Broker: PILEWATCH_TEST_BROKER=amqtt forces the
in-process amqtt broker (MQTT 3.1.1); PILEWATCH_MQTT_URL points at an external broker;
otherwise mosquitto on a free port when it is on PATH, else amqtt.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import psycopg
import pytest
from psycopg.conninfo import make_conninfo

from runtime.broker import AmqttBroker, start_broker
from runtime.embedded_db import start_embedded_postgres
from runtime.settings import Settings, get_settings
from storage.migrations import migrate

SHARED_DIR = Path(__file__).resolve().parents[2] / "shared"
# Long enough for a killed ingester to come back; short enough that the sessions of finished
# tests do not pile up in the shared broker, queueing every later test's messages.
TEST_SESSION_EXPIRY_S = 120


@dataclass(frozen=True)
class BrokerInfo:
    url: str
    protocol: Literal["5", "3.1.1"]
    kind: str


@pytest.fixture(scope="session")
def postgres_admin_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    external = os.environ.get("PILEWATCH_DATABASE_URL")
    if external:
        yield external
        return
    # Not under pytest's basetemp: pytest prunes old basetemp folders, and a concurrent pytest
    # run would delete this server's data directory under it.
    folder = Path(tempfile.mkdtemp(prefix="pilewatch-test-pg-"))
    server = start_embedded_postgres(folder / "data")
    try:
        yield server.url
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


def create_database(admin_url: str) -> str:
    name = f"pw_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return make_conninfo(admin_url, dbname=name)


def drop_database(admin_url: str, url: str) -> None:
    name = psycopg.conninfo.conninfo_to_dict(url)["dbname"]
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def empty_database_url(postgres_admin_url: str) -> Iterator[str]:
    url = create_database(postgres_admin_url)
    try:
        yield url
    finally:
        drop_database(postgres_admin_url, url)


@pytest.fixture
def database_url(empty_database_url: str) -> str:
    """A fresh, migrated database owned by this test."""
    migrate(empty_database_url, get_settings(database_url=empty_database_url))
    return empty_database_url


@pytest.fixture(scope="session")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BrokerInfo]:
    choice = os.environ.get("PILEWATCH_TEST_BROKER", "")
    external = os.environ.get("PILEWATCH_MQTT_URL")
    if external and choice != "amqtt":
        protocol = os.environ.get("PILEWATCH_MQTT_PROTOCOL", "5")
        yield BrokerInfo(external, "3.1.1" if protocol == "3.1.1" else "5", "external")
        return
    running = (
        AmqttBroker().start()
        if choice == "amqtt"
        else start_broker(tmp_path_factory.mktemp("broker"))
    )
    try:
        yield BrokerInfo(running.url, running.protocol, running.kind)
    finally:
        running.stop()


@pytest.fixture
def settings(database_url: str, broker: BrokerInfo) -> Settings:
    return get_settings(
        database_url=database_url,
        mqtt_url=broker.url,
        mqtt_protocol=broker.protocol,
        ingest_client_id=f"ingest-{uuid.uuid4().hex[:8]}",
        ingest_session_expiry_s=TEST_SESSION_EXPIRY_S,
    )


@pytest.fixture
def shared_dir() -> Path:
    if not SHARED_DIR.is_dir():
        pytest.fail(f"../shared is missing: expected it at {SHARED_DIR}")
    return SHARED_DIR
