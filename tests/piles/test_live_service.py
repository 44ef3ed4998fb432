"""The live evaluator as a service: woken by the ingest path's notifications."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import psycopg

from alerts.rulebook import load_rulebook
from piles.live_service import LiveEvaluator
from simulators.runner import simulate_to_memory
from simulators.site import generate_plan
from tests.ingest.harness import wait_until
from tests.piles.builders import is_pile_end, store_messages, store_plan


@contextmanager
def running(evaluator: LiveEvaluator) -> Iterator[LiveEvaluator]:
    stop = threading.Event()
    thread = threading.Thread(target=evaluator.run, args=(stop,), daemon=True)
    thread.start()
    time.sleep(0.5)  # LISTEN is in place before the first notification
    try:
        yield evaluator
    finally:
        stop.set()
        thread.join(10)


def one(url: str, sql: str) -> object:
    with psycopg.connect(url) as conn:
        row = conn.execute(sql).fetchone()
    return None if row is None else row[0]


def test_dosage_alert_while_on_the_pile_then_complete_at_pile_end(database_url: str) -> None:
    plan = generate_plan("S1", 1, seed=5, length_m=(8.0, 8.0))
    _report, messages = simulate_to_memory(
        "S1", 1, "under_dosage", seed=5, piles=1, plan=plan, batch_s=5
    )
    store_plan(database_url, "S1", plan)
    end = next(i for i, m in enumerate(messages) if is_pile_end(m))
    evaluator = LiveEvaluator(database_url, lambda conn: load_rulebook(conn))
    alert_sql = "SELECT count(*) FROM alerts WHERE rule = 'bin_cement' AND severity <> 'info'"
    with running(evaluator):
        for start in range(0, end, 6):
            store_messages(database_url, messages[start : min(start + 6, end)])
            time.sleep(0.05)
        wait_until(lambda: int(str(one(database_url, alert_sql))) > 0, 20, "a dosage alert")
        assert one(database_url, "SELECT status FROM piles") == "in_progress"
        store_messages(database_url, messages[end:])
        wait_until(
            lambda: one(database_url, "SELECT status FROM piles") == "complete",
            20,
            "the pile completed at pile_end",
        )
    assert one(database_url, "SELECT verdict FROM piles") == "fail"
    assert evaluator.evaluations < end // 6 + 5, "a pile inside one bin is not re-read per batch"


def test_a_silent_pile_is_closed_as_incomplete(database_url: str) -> None:
    plan = generate_plan("S1", 1, seed=7, length_m=(6.0, 6.0))
    _report, messages = simulate_to_memory("S1", 1, "normal", seed=7, piles=1, plan=plan)
    end = next(i for i, m in enumerate(messages) if is_pile_end(m))
    store_plan(database_url, "S1", plan)
    evaluator = LiveEvaluator(
        database_url, lambda conn: load_rulebook(conn), silence_s=1.0, sweep_interval_s=0.5
    )
    status: Callable[[], object] = lambda: one(database_url, "SELECT status FROM piles")  # noqa: E731
    with running(evaluator):
        store_messages(database_url, messages[: end // 2])
        wait_until(lambda: status() == "in_progress", 20, "the pile in progress")
        wait_until(lambda: status() == "incomplete", 30, "the silent pile closed as incomplete")
    assert one(database_url, "SELECT verdict FROM piles") == "fail"
