"""The writer loop: collect a batch, commit it, then acknowledge it; retry on database faults."""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import psycopg

from ingest.batching import Received, build_batch
from ingest.mqtt_client import IngestClient
from runtime.settings import Settings
from storage.db import connect
from storage.ingest_writer import Batch, IngestWriter, Rejection, WriteResult
from telemetry.payload import ValidationLimits

log = logging.getLogger(__name__)


class Ingester:
    def __init__(
        self,
        settings: Settings,
        database_url: str,
        mqtt_url: str,
        *,
        on_written: Callable[[WriteResult], None] | None = None,
    ) -> None:
        self.settings = settings
        self.database_url = database_url
        self.client = IngestClient(settings, mqtt_url, settings.ingest_client_id)
        self.writer = IngestWriter(settings.ingest_client_id)
        self.limits = ValidationLimits(
            max_payload_bytes=settings.ingest_max_payload_bytes,
            future_tolerance=timedelta(seconds=settings.ingest_future_tolerance_s),
        )
        self.on_written = on_written
        self._conn: psycopg.Connection[dict[str, object]] | None = None

    def run(self, stop: threading.Event) -> None:
        self.client.start()
        try:
            while not stop.is_set():
                items = self._collect(stop)
                if items:
                    self._commit_and_ack(items, stop)
        finally:
            self.client.stop()
            if self._conn is not None:
                self._conn.close()

    def _collect(self, stop: threading.Event) -> list[Received]:
        try:
            first = self.client.queue.get(timeout=0.2)
        except queue.Empty:
            return []
        items = [first]
        deadline = time.monotonic() + self.settings.ingest_flush_ms / 1000
        limit = self.settings.ingest_batch_messages
        while len(items) < limit:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            try:
                items.append(self.client.queue.get(timeout=remaining))
            except queue.Empty:
                break
        return items

    def _commit_and_ack(self, items: list[Received], stop: threading.Event) -> None:
        delay = 0.2
        one_by_one = False
        while True:
            now = datetime.now(UTC)
            try:
                if one_by_one:
                    result = self._write_one_by_one(items, now)
                else:
                    batch = build_batch(items, now, self.limits)
                    result = self.writer.write(self._connection(), batch, now)
                break
            except psycopg.OperationalError as exc:
                # Nothing is acknowledged, so the broker keeps every message of this batch.
                log.warning("database unavailable (%s); retrying in %.1f s", exc, delay)
                self._drop_connection()
            except psycopg.Error as exc:
                # The database refused something in this batch (a value PostgreSQL cannot
                # store): write message by message so only the guilty one is rejected.
                log.warning("batch refused (%s); writing its messages one by one", exc)
                one_by_one = True
                continue
            except Exception:
                # A bug must not kill the service; the batch stays unacknowledged and is
                # retried, so nothing is lost while someone reads the log.
                log.exception("writing a batch of %d message(s) failed", len(items))
            if stop.wait(delay):
                return
            delay = min(delay * 2, 5.0)
        for item in items:
            self.client.ack(item)
        if self.on_written is not None:
            self.on_written(result)

    def _write_one_by_one(self, items: list[Received], now: datetime) -> WriteResult:
        total = WriteResult()
        conn = self._connection()
        for item in items:
            batch = build_batch([item], now, self.limits)
            try:
                result = self.writer.write(conn, batch, now)
            except psycopg.OperationalError:
                raise
            except psycopg.Error as exc:
                reason = exc.diag.message_primary or str(exc)
                refused = Batch(
                    messages=1,
                    rejections=[
                        Rejection(item.topic, item.payload, f"the database refused it: {reason}")
                    ],
                )
                result = self.writer.write(conn, refused, now)
            total.samples_stored += result.samples_stored
            total.samples_duplicate += result.samples_duplicate
            total.touched_piles |= result.touched_piles
        return total

    def _connection(self) -> psycopg.Connection[dict[str, object]]:
        if self._conn is None or self._conn.closed:
            self._conn = connect(self.database_url)
        return self._conn

    def _drop_connection(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(psycopg.Error):
                self._conn.close()
        self._conn = None
