"""Migrations are idempotent and safe when several processes start at once (every service
migrates at start: two ingesters, the analyser, the sealer and the API in one compose up)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path

from runtime.settings import get_settings
from storage.db import connect
from storage.migrations import load_migrations, migrate

REPO = Path(__file__).resolve().parents[2]


def applied_versions(url: str) -> Counter[int]:
    with connect(url) as conn:
        return Counter(
            int(str(r["version"]))
            for r in conn.execute("SELECT version FROM schema_migrations").fetchall()
        )


def test_concurrent_migrate_from_two_threads(empty_database_url: str) -> None:
    url = empty_database_url
    settings = get_settings(database_url=url)
    start = threading.Barrier(2)
    results: list[list[int]] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            start.wait(timeout=10)
            results.append(migrate(url, settings))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "migrate() did not return"
    assert errors == []
    versions = [m.version for m in load_migrations()]
    # One of them applied everything, the other found it done.
    assert sorted(results, key=len) == [[], versions]
    assert applied_versions(url) == Counter(versions)
    # Idempotent: again, nothing to do, nothing changes.
    assert migrate(url, settings) == []
    assert applied_versions(url) == Counter(versions)


def test_concurrent_pilewatch_migrate_processes(empty_database_url: str) -> None:
    env = {**os.environ, "PILEWATCH_DATABASE_URL": empty_database_url}
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "cli.main", "migrate"],
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=120)[0] for p in processes]
    assert [p.returncode for p in processes] == [0, 0], outputs
    versions = [m.version for m in load_migrations()]
    assert sorted(o.strip().splitlines()[-1] for o in outputs) == sorted(
        [f"applied {len(versions)} migration(s): {versions}", "applied 0 migration(s): []"]
    )
    assert applied_versions(empty_database_url) == Counter(versions)
