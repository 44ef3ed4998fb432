"""`pilewatch analyse`: evaluates piles live as their samples are committed.

The ingester NOTIFYs `pilewatch_samples` (site, pile, count, depth range) and
`pilewatch_events` (pile_start / pile_end) in the transaction that stores them. A pile whose
tool crossed a bin border, or that ended, is evaluated at once; any other pile with new
samples at most every `live_interval_s`, within a time budget per loop turn. A pile in
progress that hears nothing for `silence_s` is closed as incomplete. Late samples of an ended
pile re-evaluate it.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import psycopg

from alerts.rulebook import Rulebook
from piles.evaluated import PileStatus
from piles.evaluator import DEFAULT_BIN_M, evaluate_and_store
from storage.db import connect

log = logging.getLogger(__name__)

Key = tuple[str, str]


@dataclass
class PileWatch:
    last_depth_m: float | None = None
    dirty_since: float | None = None
    urgent: bool = False
    last_evaluated: float = 0.0
    close_as_incomplete: bool = False


@dataclass
class LiveEvaluator:
    database_url: str
    load_rulebook: Callable[[psycopg.Connection[dict[str, object]]], Rulebook]
    bin_m: float = DEFAULT_BIN_M
    # Routine refresh of a pile whose tool stays inside one bin (the dashboard's figures);
    # bin closings and pile events are evaluated at once regardless.
    live_interval_s: float = 30.0
    routine_budget_s: float = 0.2
    silence_s: float = 900.0
    sweep_interval_s: float = 15.0
    piles: dict[Key, PileWatch] = field(default_factory=dict)
    evaluations: int = 0

    def run(self, stop: threading.Event) -> None:
        delay = 0.5
        while not stop.is_set():
            try:
                self._run_connected(stop)
            except psycopg.OperationalError as exc:
                log.warning("database unavailable (%s); reconnecting in %.1f s", exc, delay)
                stop.wait(delay)
                delay = min(delay * 2, 10.0)

    def _run_connected(self, stop: threading.Event) -> None:
        with connect(self.database_url) as listener, connect(self.database_url) as work:
            listener.execute("LISTEN pilewatch_samples")
            listener.execute("LISTEN pilewatch_events")
            self._catch_up(work)
            rulebook = self.load_rulebook(work)
            last_sweep = time.monotonic()
            while not stop.is_set():
                # Short: a closed bin is evaluated within ~50 ms of its notification.
                for note in listener.notifies(timeout=0.05, stop_after=500):
                    self._hear(note.channel, note.payload)
                self._evaluate_due(work, rulebook)
                if time.monotonic() - last_sweep >= self.sweep_interval_s:
                    rulebook = self._reload_rulebook(work, rulebook)
                    self._find_silent(work)
                    last_sweep = time.monotonic()

    def _reload_rulebook(
        self, conn: psycopg.Connection[dict[str, object]], current: Rulebook
    ) -> Rulebook:
        try:
            return self.load_rulebook(conn)
        except (ValueError, OSError) as exc:
            log.error("alert rules not reloaded, keeping the previous ones: %s", exc)
            return current

    def _catch_up(self, conn: psycopg.Connection[dict[str, object]]) -> None:
        """After a restart: piles still in progress may have missed notifications."""
        for row in conn.execute("SELECT site_id, pile_id FROM piles WHERE status = 'in_progress'"):
            self._watch((str(row["site_id"]), str(row["pile_id"]))).urgent = True

    def _watch(self, key: Key) -> PileWatch:
        watch = self.piles.get(key)
        if watch is None:
            watch = self.piles[key] = PileWatch()
        return watch

    def _hear(self, channel: str, payload: str) -> None:
        parts = payload.split("\t")
        if len(parts) < 3:
            log.warning("ignoring malformed notification on %s: %r", channel, payload)
            return
        key = (parts[0], parts[1])
        watch = self._watch(key)
        if watch.dirty_since is None:
            watch.dirty_since = time.monotonic()
        if channel == "pilewatch_events":
            watch.urgent = watch.urgent or parts[2] in ("pile_end", "pile_start")
            return
        try:
            low, high = float(parts[3]), float(parts[4])
        except (IndexError, ValueError):
            watch.urgent = True
            return
        depths = [low, high] + ([watch.last_depth_m] if watch.last_depth_m is not None else [])
        bins = {math.floor(d / self.bin_m) for d in depths}
        if len(bins) > 1:
            watch.urgent = True  # the tool crossed a bin border: a bin may have closed
        watch.last_depth_m = high if watch.last_depth_m is None or high >= low else low

    def _evaluate_due(
        self, conn: psycopg.Connection[dict[str, object]], rulebook: Rulebook
    ) -> None:
        """Urgent piles (a bin border crossed, a pile event, silence) first, all of them; then
        routine refreshes, oldest first, only until `routine_budget_s` is spent, so the loop
        gets back to its notifications: with hundreds of rigs the routine work alone would
        otherwise delay the evaluation that raises a dosage alert."""
        now_mono = time.monotonic()
        urgent = [
            (key, watch)
            for key, watch in self.piles.items()
            if watch.urgent or watch.close_as_incomplete
        ]
        urgent.sort(key=lambda item: item[1].dirty_since or now_mono)
        for key, watch in urgent:
            self._evaluate(conn, rulebook, key, watch)
        routine = [
            (key, watch)
            for key, watch in self.piles.items()
            if watch.dirty_since is not None
            and now_mono - watch.last_evaluated >= self.live_interval_s
        ]
        routine.sort(key=lambda item: item[1].last_evaluated)
        deadline = time.monotonic() + self.routine_budget_s
        for key, watch in routine:
            if time.monotonic() > deadline:
                break
            self._evaluate(conn, rulebook, key, watch)

    def _evaluate(
        self,
        conn: psycopg.Connection[dict[str, object]],
        rulebook: Rulebook,
        key: Key,
        watch: PileWatch,
    ) -> None:
        site, pile = key
        close_as: PileStatus | None = "incomplete" if watch.close_as_incomplete else None
        try:
            evaluated = evaluate_and_store(
                conn,
                site,
                pile,
                rulebook=rulebook,
                now=datetime.now(UTC),
                close_as=close_as,
                bin_m=self.bin_m,
            )
        except psycopg.OperationalError:
            raise
        except Exception:
            # One pile's bad data must not stop the live watch of every other pile.
            log.exception("evaluating pile %r of site %r failed", pile, site)
            evaluated = None
        self.evaluations += 1
        watch.last_evaluated = time.monotonic()
        watch.dirty_since = None
        watch.urgent = False
        watch.close_as_incomplete = False
        if evaluated is not None and evaluated.final:
            # Ended: forget the live state; late samples bring it back.
            self.piles.pop(key, None)

    def _find_silent(self, conn: psycopg.Connection[dict[str, object]]) -> None:
        rows = conn.execute(
            "SELECT site_id, pile_id FROM piles WHERE status = 'in_progress'"
            " AND evaluated_at < now() - make_interval(secs => %s)",
            (self.silence_s,),
        ).fetchall()
        for row in rows:
            key = (str(row["site_id"]), str(row["pile_id"]))
            watch = self._watch(key)
            if watch.dirty_since is None:
                watch.close_as_incomplete = True


def recompute_all(
    database_url: str, rulebook: Rulebook, *, site: str | None = None, bin_m: float = DEFAULT_BIN_M
) -> int:
    """Re-evaluate every recorded pile (or one site's) from raw telemetry."""
    count = 0
    with connect(database_url) as conn:
        keys = conn.execute(
            "SELECT DISTINCT site_id, pile_id FROM telemetry WHERE pile_id IS NOT NULL"
            " AND (%(site)s::text IS NULL OR site_id = %(site)s)"
            " UNION SELECT site_id, pile_id FROM piles"
            " WHERE (%(site)s::text IS NULL OR site_id = %(site)s)",
            {"site": site},
        ).fetchall()
        for row in keys:
            if (
                evaluate_and_store(
                    conn,
                    str(row["site_id"]),
                    str(row["pile_id"]),
                    rulebook=rulebook,
                    now=datetime.now(UTC),
                    bin_m=bin_m,
                )
                is not None
            ):
                count += 1
    return count
