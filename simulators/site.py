"""A site: rigs working through a site plan pile after pile, and the clock that drives them.

Piles are dealt to rigs round robin in plan order (rig i gets piles i, i+n, i+2n, …). Between
piles a rig moves and sets up (a time drawn from its RigType). With a ``Shift`` a rig starts
no new pile outside working hours (it finishes the pile in hand) and logs an ``operator``
event when a shift starts. Every rig starts with a staggered setup so the rigs are not in step.

``SimClock`` maps tick numbers to simulated time (1 s per tick) and, for pacing only, to
monotonic wall-clock deadlines: ``speed`` is simulated seconds per real second (60 = an hour
of site work in a minute, 1 = real time, None = as fast as possible). The model never reads
the wall clock.
"""

from __future__ import annotations

import random
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from simulators.rig_model import Fault, RigModel, TickOutput
from simulators.rig_types import RigType, rig_type
from siteplan.csv_format import PlannedPile

DEFAULT_START = datetime(2026, 11, 22, 7, 30, tzinfo=UTC)
OPERATORS = ("Wang Lei", "Li Na", "Zhang Wei", "Liu Yang", "Chen Jing", "Zhao Min")


class SimClock:
    """Simulated time per tick, and the real (monotonic) time each tick is due."""

    def __init__(
        self, start: datetime = DEFAULT_START, speed: float | None = 1.0, tick_s: float = 1.0
    ) -> None:
        if start.tzinfo is None:
            start = start.replace(tzinfo=UTC)
        if speed is not None and speed <= 0:
            raise ValueError("speed must be positive (or None for as fast as possible)")
        self.start = start
        self.speed = speed
        self.tick_s = tick_s
        self._t0: float | None = None

    def sim_time(self, tick: int) -> datetime:
        return self.start + timedelta(seconds=tick * self.tick_s)

    def begin(self) -> None:
        self._t0 = time.monotonic()

    def deadline(self, tick: int) -> float:
        """Monotonic time at which ``tick`` is due (now when running as fast as possible)."""
        if self._t0 is None:
            self.begin()
        assert self._t0 is not None
        if self.speed is None:
            return time.monotonic()
        return self._t0 + tick * self.tick_s / self.speed

    def wait_for(self, tick: int) -> float:
        """Sleep until ``tick`` is due; returns the deadline."""
        due = self.deadline(tick)
        delay = due - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        return due


@dataclass(frozen=True, slots=True)
class Shift:
    """Working hours in UTC, e.g. 7–19; a shift may wrap midnight (19–7)."""

    start_hour: int = 7
    end_hour: int = 19

    def working(self, t: datetime) -> bool:
        h = t.hour
        if self.start_hour <= self.end_hour:
            return self.start_hour <= h < self.end_hour
        return h >= self.start_hour or h < self.end_hour


@dataclass(slots=True)
class RigWorker:
    model: RigModel
    piles: list[PlannedPile]
    faults: Mapping[str, Sequence[Fault]]
    wait_s: float = 0.0
    next_index: int = 0
    on_shift: bool = False
    started: int = 0

    @property
    def done(self) -> bool:
        return not self.model.busy and self.next_index >= len(self.piles)


@dataclass(slots=True)
class RigTick:
    rig: str
    out: TickOutput


@dataclass
class SiteSim:
    """All rigs of one site; ``tick(t)`` advances each rig one simulated second."""

    site_id: str
    workers: list[RigWorker]
    shift: Shift | None = None
    seed: int = 0
    rng: random.Random = field(init=False)

    def __post_init__(self) -> None:
        self.rng = random.Random(f"site/{self.site_id}/{self.seed}")

    @property
    def done(self) -> bool:
        return all(w.done for w in self.workers)

    @property
    def piles_started(self) -> int:
        return sum(w.started for w in self.workers)

    @property
    def piles_completed(self) -> int:
        return sum(w.model.piles_done for w in self.workers)

    def tick(self, t: datetime) -> list[RigTick]:
        out: list[RigTick] = []
        for w in self.workers:
            model = w.model
            events: list[dict[str, object]] = []
            if not model.busy:
                working = self.shift is None or self.shift.working(t)
                if working and not w.on_shift:
                    w.on_shift = True
                    operator = OPERATORS[model.rng.randrange(len(OPERATORS))]
                    events.append(model.event(t, "operator", operator=operator))
                elif not working:
                    w.on_shift = False
                if w.wait_s > 0:
                    w.wait_s -= 1.0
                elif working and w.next_index < len(w.piles):
                    plan = w.piles[w.next_index]
                    w.next_index += 1
                    w.started += 1
                    events.extend(model.start_pile(plan, t, w.faults.get(plan.pile, ())))
                if not model.busy:
                    if events:
                        out.append(RigTick(model.rig_id, TickOutput(None, events)))
                    continue
            res = model.tick(t)
            if events:
                res.events[:0] = events
            if not model.busy:
                w.wait_s = model.rng.uniform(*model.rtype.move_setup_s)
            if res.sample is not None or res.turn_sample is not None or res.events or res.flags:
                out.append(RigTick(model.rig_id, res))
        return out


def rig_ids(rigs: int | Sequence[str]) -> list[str]:
    if isinstance(rigs, int):
        width = max(2, len(str(rigs)))
        return [f"R{i + 1:0{width}d}" for i in range(rigs)]
    return list(rigs)


def generate_plan(
    site_id: str,
    count: int,
    seed: int = 0,
    *,
    length_m: tuple[float, float] = (8.0, 14.0),
    diameter_m: float = 0.5,
    design_cement_kg_m: float = 55.0,
    wc: float = 0.60,  # mid-band of the 0.55-0.65 limit, so sensor noise stays inside
    density_kg_l: float = 1.73,
    blades: int = 4,
    process: str = "4S2P",
    spacing_m: float = 1.2,
) -> list[PlannedPile]:
    """A deterministic grid of ``count`` planned piles (ids ``{site}-0001``…)."""
    rng = random.Random(f"plan/{site_id}/{seed}")
    cols = max(1, int(count**0.5))
    piles = []
    for i in range(count):
        piles.append(
            PlannedPile(
                pile=f"{site_id}-{i + 1:04d}",
                x_m=round((i % cols) * spacing_m, 3),
                y_m=round((i // cols) * spacing_m, 3),
                design_length_m=round(rng.uniform(*length_m) * 2) / 2,
                diameter_m=diameter_m,
                design_cement_kg_m=design_cement_kg_m,
                wc=wc,
                density_kg_l=density_kg_l,
                blades=blades,
                process=process,
            )
        )
    return piles


def deal_piles(plan: Sequence[PlannedPile], rigs: Sequence[str]) -> dict[str, list[PlannedPile]]:
    """Round robin: rig i gets plan rows i, i+n, …"""
    dealt: dict[str, list[PlannedPile]] = {r: [] for r in rigs}
    for i, pile in enumerate(plan):
        dealt[rigs[i % len(rigs)]].append(pile)
    return dealt


def build_site(
    site_id: str,
    rigs: Sequence[str],
    dealt: Mapping[str, Sequence[PlannedPile]],
    faults: Mapping[str, Mapping[str, Sequence[Fault]]],
    seed: int,
    *,
    kind: str | RigType = "single",
    shift: Shift | None = None,
    stagger_s: float = 120.0,
) -> SiteSim:
    rtype = kind if isinstance(kind, RigType) else rig_type(kind)
    workers = []
    for rig in rigs:
        model = RigModel(rig, rtype, seed, site=site_id)
        wait = round(model.rng.uniform(0.0, stagger_s))
        workers.append(RigWorker(model, list(dealt.get(rig, ())), faults.get(rig, {}), wait))
    return SiteSim(site_id, workers, shift, seed)
