"""Checks about where and how much a rig works, beyond one pile's depth profile: the pile's
measured position against its plan, and the slurry a rig pumps in 24 hours (domain.md §4)."""

from __future__ import annotations

import math

from analytics.findings import Finding
from analytics.limits import AcceptanceLimits


def position_offset_mm(
    measured_x_m: float, measured_y_m: float, plan_x_m: float, plan_y_m: float
) -> float:
    return math.hypot(measured_x_m - plan_x_m, measured_y_m - plan_y_m) * 1000.0


def check_position(
    measured_x_m: float,
    measured_y_m: float,
    plan_x_m: float,
    plan_y_m: float,
    limits: AcceptanceLimits,
) -> list[Finding]:
    """A pile set out further from its plan position than `max_position_mm` (default 50)."""
    offset = position_offset_mm(measured_x_m, measured_y_m, plan_x_m, plan_y_m)
    if offset <= limits.max_position_mm:
        return []
    return [
        Finding(
            "position",
            "warning",
            None,
            None,
            offset,
            limits.max_position_mm,
            f"pile is {offset:.0f} mm from its plan position"
            f" (limit {limits.max_position_mm:.0f} mm)",
        )
    ]


def check_rig_daily_slurry(slurry_24h_l: float, limits: AcceptanceLimits) -> list[Finding]:
    """More slurry by one rig in 24 hours than `max_rig_daily_slurry_m3` (default 100 m³)."""
    slurry_m3 = slurry_24h_l / 1000.0
    if slurry_m3 <= limits.max_rig_daily_slurry_m3:
        return []
    return [
        Finding(
            "rig_daily_slurry",
            "warning",
            None,
            None,
            slurry_m3,
            limits.max_rig_daily_slurry_m3,
            f"rig pumped {slurry_m3:.1f} m³ of slurry in 24 h"
            f" (limit {limits.max_rig_daily_slurry_m3:.0f} m³)",
        )
    ]
