"""Acceptance limits and alarm levels (domain §4). Every value is configurable.

``SINGLE_DOUBLE_AXIS`` holds the defaults for single/double-axis wet rigs, ``THREE_AXIS`` the
three-axis values (w/c 1.5–2.0, penetration 0.5–1.0 m/min, withdrawal 1–2 m/min, mast 1/250;
the density range for such thin slurry, 1.25–1.45 kg/L, is derived from w/c 2.0–1.5 with
cement of 3.1 kg/L, and the pump pressure range is not given, so it is not checked).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any, Literal


class LimitsError(ValueError):
    def __init__(self, name: str, value: object, reason: str) -> None:
        self.name = name
        self.value = value
        super().__init__(f"{name} = {value!r}: {reason}")


def tilt_limit_deg(ratio: float) -> float:
    """Mast deviation 1/n as an angle: atan(1/150) ≈ 0.38°."""
    return math.degrees(math.atan(ratio))


@dataclass(frozen=True, slots=True)
class AcceptanceLimits:
    # Cement per metre of every bin, as fractions of design: warning / critical alarms.
    bin_warning_fraction: float = 0.90
    bin_critical_fraction: float = 0.75
    # If set, each stroke's share (penetration, withdrawal) must reach this fraction of design.
    stroke_min_fraction: float | None = None
    total_cement_fraction: float = 1.0
    depth_tolerance_m: float = 0.0
    max_withdrawal_spraying_m_min: float | None = 0.5
    min_withdrawal_spraying_m_min: float | None = None
    max_penetration_m_min: float | None = 1.0
    min_penetration_m_min: float | None = None
    pressure_min_mpa: float | None = 0.40
    pressure_max_mpa: float | None = 0.60
    wc_min: float | None = 0.55
    wc_max: float | None = 0.65
    density_min_kg_l: float | None = 1.45
    density_max_kg_l: float | None = 1.90
    # Mean density while spraying may fall at most this far below the mix design value.
    density_design_tolerance_kg_l: float | None = 0.05
    max_tilt_deg: float | None = tilt_limit_deg(1 / 150)
    min_bottom_dwell_s: float | None = 30.0
    bottom_band_m: float = 0.10
    interruption_overlap_m: float = 0.5
    interruption_min_move_m: float = 0.05
    interruption_top_m: float = 0.3
    min_blade_passes_per_m: float | None = 350.0
    min_mixing_count: float | None = 20.0
    # "either": a bin passes if T or M reaches its minimum (§4: T ≥ 350 or M ≥ 20).
    mixing_rule: Literal["either", "both", "T", "M"] = "either"
    check_process_passes: bool = True
    spray_min_flow_l_min: float = 1.0
    # Sample checks (pressure, w/c, density, tilt) ignore violations shorter than this.
    min_violation_s: float = 5.0
    max_position_mm: float = 50.0
    max_rig_daily_slurry_m3: float = 100.0
    max_findings_per_rule: int = 10

    def __post_init__(self) -> None:
        if not 0 < self.bin_critical_fraction <= self.bin_warning_fraction:
            raise LimitsError(
                "bin_critical_fraction, bin_warning_fraction",
                (self.bin_critical_fraction, self.bin_warning_fraction),
                "need 0 < critical ≤ warning",
            )
        for low, high in (
            ("pressure_min_mpa", "pressure_max_mpa"),
            ("wc_min", "wc_max"),
            ("density_min_kg_l", "density_max_kg_l"),
        ):
            lo, hi = getattr(self, low), getattr(self, high)
            if lo is not None and hi is not None and lo > hi:
                raise LimitsError(f"{low}, {high}", (lo, hi), "minimum above maximum")
        if self.max_findings_per_rule < 1:
            raise LimitsError("max_findings_per_rule", self.max_findings_per_rule, "must be ≥ 1")

    def with_(self, **changes: Any) -> AcceptanceLimits:
        return replace(self, **changes)


SINGLE_DOUBLE_AXIS = AcceptanceLimits()
THREE_AXIS = AcceptanceLimits(
    wc_min=1.5,
    wc_max=2.0,
    min_penetration_m_min=0.5,
    max_penetration_m_min=1.0,
    min_withdrawal_spraying_m_min=1.0,
    max_withdrawal_spraying_m_min=2.0,
    max_tilt_deg=tilt_limit_deg(1 / 250),
    pressure_min_mpa=None,
    pressure_max_mpa=None,
    density_min_kg_l=1.25,
    density_max_kg_l=1.45,
)
