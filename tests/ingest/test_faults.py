"""Faults: the ingester killed with SIGKILL, the database restarted, two ingesters sharing the
load. Each ends with exactly N rows."""

from __future__ import annotations

import shutil
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from runtime.broker import start_mosquitto
from runtime.embedded_db import EmbeddedPostgres, start_embedded_postgres
from runtime.settings import Settings, get_settings
from storage.migrations import migrate
from tests.builders import Publisher, series_messages
from tests.conftest import TEST_SESSION_EXPIRY_S, BrokerInfo
from tests.ingest.harness import (
    ingest_process,
    running_ingester,
    scalar,
    wait_for_rows,
    wait_until,
)


def publish_paced(
    publisher: Publisher, messages: list[tuple[str, bytes]], per_second: float
) -> threading.Thread:
    def run() -> None:
        for start in range(0, len(messages), 10):
            publisher.publish_all(messages[start : start + 10])
            time.sleep(10 / per_second)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


@pytest.fixture
def mosquitto_broker(broker: BrokerInfo, tmp_path: Path) -> Iterator[BrokerInfo]:
    """Mosquitto, whatever this run's broker is: amqtt has no shared subscriptions, and it can
    drop a message it is delivering at the instant a subscriber dies (its own delivery race),
    which would blame the ingester for the broker's loss."""
    if broker.kind == "mosquitto":
        yield broker
        return
    if shutil.which("mosquitto") is None:
        pytest.skip("mosquitto is not on PATH; amqtt loses in-flight deliveries to a killed client")
    running = start_mosquitto(tmp_path / "mosquitto")
    try:
        yield BrokerInfo(running.url, running.protocol, running.kind)
    finally:
        running.stop()


@pytest.mark.parametrize("protocol", ["5", "3.1.1"])
def test_sigkill_mid_stream_and_restart_loses_and_doubles_nothing(
    database_url: str, mosquitto_broker: BrokerInfo, tmp_path: Path, protocol: str
) -> None:
    settings = get_settings(
        database_url=database_url,
        mqtt_url=mosquitto_broker.url,
        mqtt_protocol=protocol,
        ingest_client_id=f"ingest-{uuid.uuid4().hex[:8]}",
        ingest_session_expiry_s=TEST_SESSION_EXPIRY_S,
    )
    url = database_url
    total = 3000
    messages = series_messages("S1", "R20", total, 5)
    publisher = Publisher(mosquitto_broker.url, mosquitto_broker.protocol)
    log = tmp_path / "ingest.log"
    first = ingest_process(settings, log)
    try:
        wait_until(
            lambda: "subscribed to" in log.read_text(errors="replace"), 30, "ingester connected"
        )
        sender = publish_paced(publisher, messages, per_second=300)
        wait_until(lambda: scalar(url, "SELECT count(*) FROM telemetry") > 300, 30, "progress")
        first.kill()  # SIGKILL: no chance to flush or acknowledge anything
        first.wait(10)
        stored_at_kill = scalar(url, "SELECT count(*) FROM telemetry")
        time.sleep(1.0)  # the broker queues for the persistent session meanwhile
        second = ingest_process(settings, log)
        try:
            sender.join(60)
            assert wait_for_rows(url, total, timeout=90) == total
        finally:
            second.terminate()
            second.wait(20)
    finally:
        if first.poll() is None:
            first.kill()
        publisher.close()
    assert stored_at_kill < total
    assert "session present: True" in log.read_text()
    assert scalar(url, "SELECT count(DISTINCT (rig_id, boot, seq)) FROM telemetry") == total
    assert second.returncode == 0, log.read_text()


def test_killed_ingester_resumes_its_session_on_any_broker(
    settings: Settings, broker: BrokerInfo, tmp_path: Path
) -> None:
    """What arrives while the ingester is dead waits in its persistent session (MQTT 5 session
    expiry, or 3.1.1 clean-session off, as amqtt needs)."""
    url = str(settings.database_url)
    messages = series_messages("S1", "R23", 1500, 5)
    publisher = Publisher(broker.url, broker.protocol)
    log = tmp_path / "ingest.log"
    first = ingest_process(settings, log)
    try:
        wait_until(lambda: "subscribed to" in log.read_text(errors="replace"), 30, "connected")
        publisher.publish_all(messages[:100])
        wait_until(lambda: scalar(url, "SELECT count(*) FROM telemetry") == 500, 30, "first part")
        first.kill()
        first.wait(10)
        publisher.publish_all(messages[100:])  # nobody is connected to take these
        assert scalar(url, "SELECT count(*) FROM telemetry") == 500
        second = ingest_process(settings, log)
        try:
            assert wait_for_rows(url, 1500, timeout=60) == 1500
        finally:
            second.terminate()
            second.wait(20)
    finally:
        if first.poll() is None:
            first.kill()
        publisher.close()
    assert "session present: True" in log.read_text()


@pytest.fixture
def own_postgres() -> Iterator[EmbeddedPostgres]:
    """A PostgreSQL server this test may stop and start."""
    folder = Path(tempfile.mkdtemp(prefix="pilewatch-test-restart-pg-"))
    server = start_embedded_postgres(folder / "pg")
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


def test_database_restart_mid_stream_loses_and_doubles_nothing(
    own_postgres: EmbeddedPostgres, broker: BrokerInfo, caplog: pytest.LogCaptureFixture
) -> None:
    url = own_postgres.url
    settings = get_settings(
        database_url=url,
        mqtt_url=broker.url,
        mqtt_protocol=broker.protocol,
        ingest_client_id=f"ingest-{uuid.uuid4().hex[:8]}",
        ingest_session_expiry_s=TEST_SESSION_EXPIRY_S,
    )
    migrate(url, settings)
    total = 2000
    messages = series_messages("S1", "R21", total, 5)
    publisher = Publisher(broker.url, broker.protocol)
    with running_ingester(settings):
        sender = publish_paced(publisher, messages, per_second=400)
        wait_until(lambda: scalar(url, "SELECT count(*) FROM telemetry") > 200, 30, "progress")
        own_postgres.restart(downtime_s=3.0)
        sender.join(60)
        assert wait_for_rows(url, total, timeout=90) == total
    publisher.close()
    assert scalar(url, "SELECT count(DISTINCT (rig_id, boot, seq)) FROM telemetry") == total
    # The outage was real: the writer saw it and retried.
    assert any("database unavailable" in r.getMessage() for r in caplog.records)


def test_two_ingesters_on_a_shared_subscription_split_the_work(
    database_url: str, mosquitto_broker: BrokerInfo
) -> None:
    group = f"g{uuid.uuid4().hex[:6]}"

    def ingester_settings(name: str) -> Settings:
        return get_settings(
            database_url=database_url,
            mqtt_url=mosquitto_broker.url,
            mqtt_protocol=mosquitto_broker.protocol,
            ingest_client_id=f"{name}-{group}",
            ingest_session_expiry_s=TEST_SESSION_EXPIRY_S,
            ingest_shared_group=group,
        )

    total = 2000
    messages = series_messages("S1", "R22", total, 2)
    publisher = Publisher(mosquitto_broker.url, mosquitto_broker.protocol)
    with running_ingester(ingester_settings("a")), running_ingester(ingester_settings("b")):
        publisher.publish_all(messages)
        assert wait_for_rows(database_url, total) == total
    publisher.close()
    per_ingester = {
        name: scalar(
            database_url,
            "SELECT value FROM ingest_counters WHERE ingester = %s AND counter = 'samples_stored'",
            (f"{name}-{group}",),
        )
        for name in ("a", "b")
    }
    assert sum(per_ingester.values()) == total
    assert all(count > 0 for count in per_ingester.values()), per_ingester
