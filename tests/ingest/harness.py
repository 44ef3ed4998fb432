"""Running ingesters for tests: in a thread, or as a `pilewatch ingest` process to SIGKILL."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg

from ingest.service import Ingester
from runtime.settings import Settings


@contextmanager
def running_ingester(settings: Settings) -> Iterator[Ingester]:
    assert settings.database_url and settings.mqtt_url
    ingester = Ingester(settings, settings.database_url, settings.mqtt_url)
    stop = threading.Event()
    thread = threading.Thread(target=ingester.run, args=(stop,), daemon=True)
    thread.start()
    if not ingester.client.connected.wait(15):
        stop.set()
        raise TimeoutError("ingester did not connect to the broker")
    try:
        yield ingester
    finally:
        stop.set()
        thread.join(20)


def ingest_process(settings: Settings, log_path: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "PILEWATCH_DATABASE_URL": str(settings.database_url),
        "PILEWATCH_MQTT_URL": str(settings.mqtt_url),
        "PILEWATCH_MQTT_PROTOCOL": settings.mqtt_protocol,
        "PILEWATCH_INGEST_CLIENT_ID": settings.ingest_client_id,
        "PILEWATCH_INGEST_BATCH_MESSAGES": str(settings.ingest_batch_messages),
        "PILEWATCH_INGEST_SESSION_EXPIRY_S": str(settings.ingest_session_expiry_s),
    }
    if settings.ingest_shared_group:
        env["PILEWATCH_INGEST_SHARED_GROUP"] = settings.ingest_shared_group
    log = log_path.open("ab")
    return subprocess.Popen(
        [sys.executable, "-m", "cli.main", "ingest"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=Path(__file__).resolve().parents[2],
    )


def scalar(url: str, sql: str, params: tuple[object, ...] = ()) -> int:
    with psycopg.connect(url) as conn:
        row = conn.execute(sql, params).fetchone()
    return 0 if row is None else int(row[0] or 0)


def wait_until(predicate: Callable[[], bool], timeout: float = 30, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.1)


def wait_for_rows(url: str, expected: int, timeout: float = 60) -> int:
    """Waits until `expected` rows are stored, then a little longer to see none are extra."""
    try:
        wait_until(
            lambda: scalar(url, "SELECT count(*) FROM telemetry") >= expected,
            timeout,
            f"{expected} telemetry rows",
        )
    except AssertionError as exc:
        found = scalar(url, "SELECT count(*) FROM telemetry")
        raise AssertionError(f"{exc}; found {found}") from None
    time.sleep(0.5)
    return scalar(url, "SELECT count(*) FROM telemetry")
