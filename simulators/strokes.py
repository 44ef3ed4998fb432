"""Faults and the stroke plan (legs) of one pile; the plan is described in rig_model."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from simulators.rig_types import RigType
from siteplan.csv_format import PlannedPile, process_passes

#: faults that change what the rig does or measures
MODEL_FAULTS = frozenset(
    {
        "under_dosage",
        "interruption_overlap",
        "interruption_gap",
        "withdrawal_too_fast",
        "short_pile",
        "wc_drift",
        "density_drift",
        "pressure_out_of_range",
        "tilt",
        "no_dwell",
        "missing_passes",
        "stuck_sensor",
        "logger_reboot",
        "clock_skew",
    }
)
#: faults of the link, not of the rig: samples are flagged, the publisher acts on the flag
TRANSPORT_FAULTS = frozenset(
    {"link_outage", "duplicate_delivery", "malformed_messages", "rig_offline"}
)
INTERRUPTION_STOP_M = 1.0  # distance the tool keeps rising after the pump stops
INTERRUPTION_OVERLAP_M = 0.6  # how far back down the operator goes in the overlap case


@dataclass(frozen=True, slots=True)
class Fault:
    """A fault on one pile. Depths are metres below the platform, top < bottom.

    ``value`` means: under_dosage flow factor; withdrawal_too_fast speed (m/min);
    short_pile shortfall (m); wc_drift / density_drift full offset; pressure_out_of_range
    pressure (MPa); tilt degrees; missing_passes passes dropped; clock_skew seconds;
    interruption_* the depth where the pump stops (interval faults use depth_top/bottom).
    ``stroke`` limits depth-triggered faults (reboot, transport faults) to one stroke.
    """

    kind: str
    depth_top_m: float = 0.0
    depth_bottom_m: float = 0.0
    value: float = 0.0
    stroke: int | None = 0
    channel: str = "density_kg_l"

    def covers(self, depth: float, stroke: int) -> bool:
        if self.stroke is not None and stroke != self.stroke:
            return False
        return self.depth_top_m <= depth <= self.depth_bottom_m


@dataclass(slots=True)
class Leg:
    stroke: int  # pass index; dwell legs carry the index of the stroke before them
    start_m: float
    end_m: float
    speed_m_min: float  # 0 for a dwell
    spray: bool
    rpm: float
    flow_l_min: float
    dwell_s: float = 0.0

    @property
    def duration_s(self) -> float:
        if self.speed_m_min <= 0:
            return self.dwell_s
        return abs(self.end_m - self.start_m) / self.speed_m_min * 60.0

    def depth_at(self, elapsed_s: float) -> float:
        if self.speed_m_min <= 0:
            return self.start_m
        sign = 1.0 if self.end_m >= self.start_m else -1.0
        moved = min(abs(self.end_m - self.start_m), self.speed_m_min * elapsed_s / 60.0)
        return self.start_m + sign * moved


@dataclass(slots=True)
class TickOutput:
    sample: dict[str, object] | None
    events: list[dict[str, object]] = field(default_factory=list)
    flags: frozenset[str] = frozenset()
    pile: str | None = None
    boot: str = ""
    # A sample taken between the previous tick and this one: the tool's turn at the bottom,
    # sent before ``sample`` (loggers record the bottom, not only the 1 Hz grid).
    turn_sample: dict[str, object] | None = None


def format_time(t: datetime) -> str:
    """RFC 3339, UTC, milliseconds, 'Z'."""
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def plan_legs(
    plan: PlannedPile,
    rtype: RigType,
    faults: Sequence[Fault],
    rng: random.Random,
    *,
    dwell_s: float = 30.0,
    margin: float = 1.08,
) -> list[Leg]:
    """The legs (strokes and dwells) of one pile, faults that change the path applied."""
    mixing, spraying = process_passes(plan.process)
    kinds = {f.kind: f for f in faults}
    if "missing_passes" in kinds:
        mixing = max(1, mixing - int(kinds["missing_passes"].value))
    spraying = max(1, min(spraying, mixing))
    bottom = plan.design_length_m
    if "short_pile" in kinds:
        bottom = max(0.5, bottom - kinds["short_pile"].value)
    if "no_dwell" in kinds:
        dwell_s = 0.0
    v_down = rng.uniform(*rtype.penetration_m_min)
    v_up = rng.uniform(*rtype.withdrawal_m_min)
    rpm = rng.uniform(*rtype.rpm_range)
    litres_per_m = plan.design_cement_kg_m * (1.0 + plan.wc) / plan.density_kg_l
    legs: list[Leg] = []
    for i in range(mixing):
        down = i % 2 == 0
        spray = i < spraying
        speed = v_down if down else v_up
        flow = litres_per_m * speed / spraying * margin if spray else 0.0
        start, end = (0.0, bottom) if down else (bottom, 0.0)
        legs.extend(_stroke_legs(i, start, end, speed, spray, rpm, flow, kinds, litres_per_m))
        if down and dwell_s > 0:
            dwell_spray = spray or (i + 1 < spraying)
            dwell_flow = flow if spray else litres_per_m * v_up / spraying * margin
            legs.append(
                Leg(
                    i,
                    bottom,
                    bottom,
                    0.0,
                    dwell_spray,
                    rpm,
                    dwell_flow if dwell_spray else 0.0,
                    dwell_s,
                )
            )
    if mixing % 2 == 1:
        legs.append(Leg(mixing, bottom, 0.0, v_up * 2.0, False, 0.0, 0.0))
    return legs


def _stroke_legs(
    i: int,
    start: float,
    end: float,
    speed: float,
    spray: bool,
    rpm: float,
    flow: float,
    kinds: dict[str, Fault],
    litres_per_m: float,
) -> list[Leg]:
    up = end < start
    fast = kinds.get("withdrawal_too_fast")
    legs: list[Leg] = []
    if up and spray and fast is not None and i == 1:
        # too fast over [top, bottom] on the first spraying withdrawal, pump unchanged
        cuts = [
            (start, fast.depth_bottom_m, speed),
            (fast.depth_bottom_m, fast.depth_top_m, fast.value),
            (fast.depth_top_m, end, speed),
        ]
        return [Leg(i, a, b, v, spray, rpm, flow) for a, b, v in cuts if a > b]
    stop = kinds.get("interruption_gap") or kinds.get("interruption_overlap")
    if up and spray and stop is not None and i == 1:
        d = stop.value
        resume = max(end, d - INTERRUPTION_STOP_M)
        legs.append(Leg(i, start, d, speed, True, rpm, flow))
        legs.append(Leg(i, d, resume, speed, False, rpm, 0.0))
        if stop.kind == "interruption_overlap":
            back = min(start, d + INTERRUPTION_OVERLAP_M)
            legs.append(Leg(i, resume, back, speed * 2.0, False, rpm, 0.0))
            legs.append(Leg(i, back, end, speed, True, rpm, flow))
        else:
            legs.append(Leg(i, resume, end, speed, True, rpm, flow))
        return legs
    return [Leg(i, start, end, speed, spray, rpm, flow)]
