"""One rig building piles stroke by stroke, one sample per simulated second.

Stroke plan for a process code ``<m>S<n>P`` (m mixing passes = strokes, n of them spraying):
stroke i goes down when i is even and up when i is odd; the first n strokes spray. 4S2P is
therefore: down spray, (dwell 30 s spray+mix at the bottom), up spray, down mix, (dwell 30 s
mix), up mix. After every downward stroke the tool dwells at the bottom (30 s by default),
spraying when the stroke before or after it sprays. When m is odd the last stroke ends at the
bottom and the tool is pulled out without rotation or slurry (a "return", which is no pass).

Pump flow on a spraying stroke is sized so that each spraying stroke brings its share of the
design cement per metre, with a margin: ``flow = design_kg_m·(1+wc)/ρ·speed/n_spray·margin``
(from cement = L·ρ/(1+wc)). Channels carry Gaussian noise and a slow AR(1) drift.

Time never comes from a wall clock here: ``tick(t)`` is called with the simulated time.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from datetime import datetime, timedelta

from simulators.rig_types import RigType, slurry_density
from simulators.strokes import (
    INTERRUPTION_OVERLAP_M,
    INTERRUPTION_STOP_M,
    MODEL_FAULTS,
    TRANSPORT_FAULTS,
    Fault,
    Leg,
    TickOutput,
    format_time,
    plan_legs,
)
from siteplan.csv_format import PlannedPile

__all__ = [
    "INTERRUPTION_OVERLAP_M",
    "INTERRUPTION_STOP_M",
    "MODEL_FAULTS",
    "TRANSPORT_FAULTS",
    "Fault",
    "Leg",
    "RigModel",
    "TickOutput",
    "expected_duration_s",
    "format_time",
    "plan_legs",
]


class RigModel:
    """One rig's logger: samples at 1 Hz of simulated time while a pile is being built."""

    def __init__(self, rig_id: str, rtype: RigType, seed: int, *, site: str = "") -> None:
        self.rig_id = rig_id
        self.rtype = rtype
        self.rng = random.Random(f"{site}/{rig_id}/{seed}")
        self.boot = self._new_boot()
        self.seq = 0
        self.event_seq = 0
        self.phase_ms = self.rng.randrange(0, 1000)
        self._drift = {k: 0.0 for k in ("flow", "density", "wc", "pressure", "current", "tilt")}
        self._tilt0 = (self.rng.gauss(0, 0.05), self.rng.gauss(0, 0.05))
        self.plan: PlannedPile | None = None
        self.faults: tuple[Fault, ...] = ()
        self.legs: list[Leg] = []
        self._leg = 0
        self._in_leg_s = 0.0
        self._elapsed_s = 0.0
        self._soil = 1.0
        self._stuck: float | None = None
        self._rebooting = False
        self.piles_done = 0

    def _new_boot(self) -> str:
        return f"{self.rng.getrandbits(24):06x}"

    @property
    def busy(self) -> bool:
        return self.plan is not None

    def rig_time(self, t: datetime) -> str:
        skew = next((f.value for f in self.faults if f.kind == "clock_skew"), 0.0)
        return format_time(t + timedelta(milliseconds=self.phase_ms, seconds=skew))

    def event(self, t: datetime, kind: str, **fields: object) -> dict[str, object]:
        ev: dict[str, object] = {
            "v": 1,
            "rig": self.rig_id,
            "boot": self.boot,
            "seq": self.event_seq,
            "t": self.rig_time(t),
            "type": kind,
        }
        if self.plan is not None:
            ev["pile"] = self.plan.pile
        ev.update(fields)
        self.event_seq += 1
        return ev

    def reboot(self) -> None:
        """The logger restarts: a new boot id, both counters start again at 0."""
        self.boot = self._new_boot()
        self.seq = 0
        self.event_seq = 0

    def start_pile(
        self, plan: PlannedPile, t: datetime, faults: Sequence[Fault] = ()
    ) -> list[dict[str, object]]:
        self.faults = tuple(faults)
        self.legs = plan_legs(plan, self.rtype, self.faults, self.rng)
        self.plan = plan
        self._leg = 0
        self._in_leg_s = 0.0
        self._elapsed_s = 0.0
        self._soil = self.rng.uniform(0.8, 1.25)
        self._stuck = None
        x = round(plan.x_m + self.rng.gauss(0, 0.015), 3)
        y = round(plan.y_m + self.rng.gauss(0, 0.015), 3)
        return [self.event(t, "pile_start", x=x, y=y)]

    def _advance(self, dt: float) -> tuple[Leg, float] | None:
        """Move on ``dt`` seconds. Returns the last downward leg whose end (a turn at the
        bottom) was passed, and the seconds from that turn to the end of the step."""
        turn: tuple[Leg, float] | None = None
        while dt > 1e-9 and self._leg < len(self.legs):
            leg = self.legs[self._leg]
            left = leg.duration_s - self._in_leg_s
            if dt < left:
                self._in_leg_s += dt
                return turn
            dt -= left
            self._leg += 1
            self._in_leg_s = 0.0
            if leg.speed_m_min > 0 and leg.end_m > leg.start_m:
                turn = (leg, dt)
        return turn

    def tick(self, t: datetime) -> TickOutput:
        """Advance one simulated second and return the sample taken at ``t``."""
        plan = self.plan
        if plan is None:
            return TickOutput(None)
        turn = self._advance(1.0) if self._elapsed_s > 0 else None
        self._elapsed_s += 1.0
        if self._leg >= len(self.legs):
            events = [self.event(t, "pile_end", depth_reached_m=round(self._max_depth(), 3))]
            self.plan = None
            self.faults = ()
            self.piles_done += 1
            return TickOutput(None, events, pile=plan.pile)
        leg = self.legs[self._leg]
        depth = leg.depth_at(self._in_leg_s)
        flags = frozenset(
            f.kind
            for f in self.faults
            if f.kind in TRANSPORT_FAULTS and f.covers(depth, leg.stroke)
        )
        reboot = next((f for f in self.faults if f.kind == "logger_reboot"), None)
        if reboot is not None and reboot.covers(depth, leg.stroke):
            self._rebooting = True  # logger down: this second is lost
            return TickOutput(None, flags=flags, pile=plan.pile, boot=self.boot)
        if self._rebooting:
            self._rebooting = False
            self.reboot()
        turn_sample = None
        if turn is not None and 1e-3 < turn[1] < 1.0 - 1e-3:
            # The tool turned at the bottom between two ticks: the logger records that
            # moment, at the depth the tool reached (no jitter: the tool stands still there).
            down, back_s = turn
            at = t - timedelta(seconds=back_s)
            turn_sample = self._sample(at, plan, down, down.end_m, jitter=False)
        sample = self._sample(t, plan, leg, depth)
        return TickOutput(
            sample, flags=flags, pile=plan.pile, boot=self.boot, turn_sample=turn_sample
        )

    def _max_depth(self) -> float:
        return max((max(leg.start_m, leg.end_m) for leg in self.legs), default=0.0)

    def _walk(self, name: str, sigma: float) -> float:
        value = self._drift[name] * 0.995 + self.rng.gauss(0.0, sigma)
        self._drift[name] = value
        return value

    def _sample(
        self, t: datetime, plan: PlannedPile, leg: Leg, depth: float, *, jitter: bool = True
    ) -> dict[str, object]:
        g = self.rng.gauss
        if jitter:
            depth += g(0.0, 0.0005)
        depth = round(max(0.0, depth), 3)  # as measured; faults follow it
        kinds = {f.kind: f for f in self.faults}
        ramp = min(1.0, self._elapsed_s / 600.0)
        wc = plan.wc * (1.0 + self._walk("wc", 0.0005)) + g(0.0, 0.004)
        if "wc_drift" in kinds:
            wc += kinds["wc_drift"].value * ramp
        density = plan.density_kg_l * slurry_density(wc) / slurry_density(plan.wc)
        density += self._walk("density", 0.0004) + g(0.0, 0.004)
        if "density_drift" in kinds:
            density += kinds["density_drift"].value * ramp
        flow = 0.0
        pressure = max(0.0, g(0.02, 0.005))
        if leg.spray and leg.flow_l_min > 0:
            flow = leg.flow_l_min * (1.0 + self._walk("flow", 0.001)) + g(0.0, 0.4)
            lo, hi = self.rtype.pressure_range_mpa
            pressure = (lo + hi) / 2 + self._walk("pressure", 0.001) + g(0.0, 0.008)
            fault = kinds.get("under_dosage")
            if fault is not None and fault.depth_top_m <= depth <= fault.depth_bottom_m:
                flow *= fault.value
            fault = kinds.get("pressure_out_of_range")
            if fault is not None and fault.depth_top_m <= depth <= fault.depth_bottom_m:
                pressure = fault.value + g(0.0, 0.005)
        rpm = leg.rpm + g(0.0, 0.6) if leg.rpm > 0 else 0.0
        going_down = leg.end_m > leg.start_m
        cut = 1.25 if going_down else 0.85 if leg.speed_m_min > 0 else 1.0
        current = self.rtype.current_base_a + self.rtype.current_per_m_a * depth * self._soil
        load = 1.0 if rpm > 0 else 0.3
        current = current * cut * load + self._walk("current", 0.05) + g(0.0, 1.0)
        tilt_x = self._tilt0[0] + self._walk("tilt", 0.001) + g(0.0, 0.01)
        tilt_y = self._tilt0[1] + g(0.0, 0.01)
        if "tilt" in kinds:
            tilt_x += kinds["tilt"].value * ramp
        sample: dict[str, object] = {
            "seq": self.seq,
            "t": self.rig_time(t),
            "depth_m": depth,
            "flow_l_min": round(max(0.0, flow), 2),
            "rpm": round(max(0.0, rpm), 1),
            "density_kg_l": round(density, 3),
            "wc": round(wc, 3),
            "pressure_mpa": round(pressure, 3),
            "current_a": round(max(0.0, current), 1),
            "tilt_x_deg": round(tilt_x, 3),
            "tilt_y_deg": round(tilt_y, 3),
        }
        stuck = kinds.get("stuck_sensor")
        if stuck is not None and stuck.depth_top_m <= depth <= stuck.depth_bottom_m:
            if self._stuck is None:
                value = sample.get(stuck.channel)
                self._stuck = float(value) if isinstance(value, int | float) else 0.0
            sample[stuck.channel] = self._stuck
        self.seq += 1
        return sample


def expected_duration_s(legs: Sequence[Leg]) -> float:
    return math.fsum(leg.duration_s for leg in legs)
