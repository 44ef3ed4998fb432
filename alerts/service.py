"""The timed part of alerting as a service: ``tick`` every few seconds and the webhook
delivery worker, until a stop event is set (``pilewatch alerts run``)."""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime
from pathlib import Path

from alerts.engine import tick
from alerts.rulebook import load_rulebook
from alerts.webhooks import DeliveryConfig, run_worker
from storage.db import connect

log = logging.getLogger(__name__)


def run_ticker(
    database_url: str,
    stop: threading.Event,
    *,
    rules_file: str | Path | None = None,
    interval_s: float = 15.0,
) -> None:
    """``tick`` every ``interval_s``; the rulebook is re-read each time (file and table), so
    a changed rule applies without a restart; an invalid change is logged and the last
    valid rulebook kept."""
    book = None
    with connect(database_url) as conn:
        while not stop.is_set():
            try:
                book = load_rulebook(conn, rules_file)
            except (ValueError, OSError) as exc:
                if book is None:
                    raise
                log.error("alert rules not reloaded, keeping the previous ones: %s", exc)
            try:
                changes = tick(conn, book, datetime.now(UTC))
                if changes:
                    log.info("alert tick: %d change(s)", len(changes))
            except Exception:
                log.exception("alert tick failed")
            stop.wait(interval_s)


def run_alert_services(
    database_url: str,
    stop: threading.Event,
    *,
    rules_file: str | Path | None = None,
    interval_s: float = 15.0,
    delivery: DeliveryConfig | None = None,
) -> None:
    """The ticker and the webhook worker in two threads until ``stop``."""
    worker = threading.Thread(
        target=run_worker,
        args=(database_url, stop, delivery or DeliveryConfig()),
        name="alert-webhooks",
        daemon=True,
    )
    worker.start()
    try:
        run_ticker(database_url, stop, rules_file=rules_file, interval_s=interval_s)
    finally:
        stop.set()
        worker.join(10)
