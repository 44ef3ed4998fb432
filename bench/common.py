"""Shared helpers for the benchmarks: scratch databases, a broker, child processes, figures.

Every benchmark talks to 127.0.0.1 only. The database server is PILEWATCH_DATABASE_URL (an
admin URL; each benchmark creates and drops its own database) or an embedded PostgreSQL.
"""

from __future__ import annotations

import contextlib
import math
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def admin_url() -> str:
    return os.environ.get("PILEWATCH_DATABASE_URL") or DEFAULT_ADMIN_URL


@contextlib.contextmanager
def scratch_database(migrated: bool = True) -> Iterator[str]:
    """A fresh database (migrated by default), dropped afterwards."""
    admin = admin_url()
    name = f"pw_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = make_conninfo(admin, dbname=name)
    try:
        if migrated:
            from runtime.settings import get_settings
            from storage.migrations import migrate

            migrate(url, get_settings(database_url=url))
        yield url
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(
                f'DROP DATABASE IF EXISTS "{conninfo_to_dict(url)["dbname"]}" WITH (FORCE)'
            )


@contextlib.contextmanager
def mosquitto() -> Iterator[str]:
    """mosquitto on a free loopback port for the benchmark; yields its mqtt:// URL."""
    from runtime.broker import start_mosquitto

    state = Path(tempfile.mkdtemp(prefix="pw-bench-mqtt-"))
    broker = start_mosquitto(state)
    try:
        yield broker.url
    finally:
        broker.stop()


def child_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.update(extra)
    return env


def spawn(args: Sequence[str], env: dict[str, str] | None = None, **kw) -> subprocess.Popen:
    """A child Python process (own process group) running from the repository root."""
    return subprocess.Popen(
        [sys.executable, *args],
        cwd=ROOT,
        env=env or child_env(),
        start_new_session=True,
        **kw,
    )


def stop(proc: subprocess.Popen, timeout: float = 15.0) -> None:
    """SIGTERM, then SIGKILL after `timeout`, for one child we started (by its pid)."""
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.kill(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait()


def peak_rss_mb(pid: int) -> float | None:
    """VmHWM of a live process, in MiB."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return None


def percentile(values: Sequence[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def wait_until(predicate, timeout: float, interval: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


def header(title: str) -> None:
    print(f"\n== {title} ==", flush=True)
