"""Rig types: single, double and three-axis wet deep-mixing rigs and their typical ranges.

Numbers follow domain.md §2 and §4: single/double-axis rigs run w/c 0.45–0.65, pump pressure
0.4–0.6 MPa, penetration ≤ 1.0 m/min and withdrawal ≤ 0.5 m/min while spraying; three-axis
rigs run w/c 1.5–2.0, penetration 0.5–1.0 m/min and withdrawal 1–2 m/min.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum


class RigKind(StrEnum):
    SINGLE = "single"
    DOUBLE = "double"
    THREE_AXIS = "three_axis"


@dataclass(frozen=True, slots=True)
class RigType:
    """What a rig type is and the ranges the simulator draws its set points from."""

    kind: RigKind
    shafts: int
    blades: int  # mixing blades over all shafts (ΣM in EN 14679 A.3.3, Z per shaft × shafts)
    blade_width_m: float  # h in M = h·cosβ·Z·N/v
    blade_angle_deg: float  # β
    wc_range: tuple[float, float]
    density_range_kg_l: tuple[float, float]
    pressure_range_mpa: tuple[float, float]
    penetration_m_min: tuple[float, float]  # typical set point range going down
    withdrawal_m_min: tuple[float, float]  # typical set point range going up
    rpm_range: tuple[float, float]
    current_base_a: float  # motor current in soft soil near the surface
    current_per_m_a: float  # added per metre of depth (soil strength rises with depth)
    max_tilt_deg: float  # verticality limit (1/150 ≈ 0.38°, 1/250 ≈ 0.23°)
    move_setup_s: tuple[float, float]  # moving to the next pile and setting up

    @property
    def blades_per_shaft(self) -> int:
        return max(1, self.blades // self.shafts)

    def mixing_count(self, rpm: float, speed_m_min: float) -> float:
        """Chinese practice M = h·cosβ·Z·N/v per stroke (Z blades per shaft, not 1+2+…+Z)."""
        if speed_m_min <= 0:
            return math.inf
        cos_b = math.cos(math.radians(self.blade_angle_deg))
        return self.blade_width_m * cos_b * self.blades_per_shaft * rpm / speed_m_min

    def blade_passes(self, rpm_down: float, v_down: float, rpm_up: float, v_up: float) -> float:
        """EN 14679 A.3.3 T = ΣM·(Nd/Vd + Nu/Vu) blade passes per metre."""
        return self.blades * (rpm_down / v_down + rpm_up / v_up)


RIG_TYPES: dict[RigKind, RigType] = {
    RigKind.SINGLE: RigType(
        kind=RigKind.SINGLE,
        shafts=1,
        blades=4,
        blade_width_m=0.10,
        blade_angle_deg=0.0,
        wc_range=(0.45, 0.65),
        density_range_kg_l=(1.70, 1.90),
        pressure_range_mpa=(0.45, 0.55),
        penetration_m_min=(0.7, 0.9),
        withdrawal_m_min=(0.40, 0.48),
        rpm_range=(45.0, 60.0),
        current_base_a=45.0,
        current_per_m_a=2.0,
        max_tilt_deg=0.38,
        move_setup_s=(420.0, 900.0),
    ),
    RigKind.DOUBLE: RigType(
        kind=RigKind.DOUBLE,
        shafts=2,
        blades=8,
        blade_width_m=0.10,
        blade_angle_deg=0.0,
        wc_range=(0.45, 0.65),
        density_range_kg_l=(1.70, 1.90),
        pressure_range_mpa=(0.45, 0.55),
        penetration_m_min=(0.7, 0.9),
        withdrawal_m_min=(0.40, 0.48),
        rpm_range=(40.0, 55.0),
        current_base_a=60.0,
        current_per_m_a=3.0,
        max_tilt_deg=0.38,
        move_setup_s=(600.0, 1200.0),
    ),
    RigKind.THREE_AXIS: RigType(
        kind=RigKind.THREE_AXIS,
        shafts=3,
        blades=6,
        blade_width_m=0.12,
        blade_angle_deg=15.0,
        wc_range=(1.5, 2.0),
        density_range_kg_l=(1.35, 1.45),
        pressure_range_mpa=(0.45, 0.55),
        penetration_m_min=(0.5, 1.0),
        withdrawal_m_min=(1.0, 2.0),
        rpm_range=(20.0, 30.0),
        current_base_a=110.0,
        current_per_m_a=5.0,
        max_tilt_deg=0.23,
        move_setup_s=(900.0, 1800.0),
    ),
}


def rig_type(kind: str | RigKind) -> RigType:
    """The RigType for 'single', 'double' or 'three_axis' (also 'three-axis')."""
    key = str(kind).strip().lower().replace("-", "_")
    try:
        return RIG_TYPES[RigKind(key)]
    except ValueError:
        names = ", ".join(k.value for k in RigKind)
        raise ValueError(f"unknown rig type {kind!r}; known: {names}") from None


def slurry_density(wc: float, cement_sg: float = 3.1) -> float:
    """Theoretical slurry density (kg/L) of a cement-water mix at a given w/c."""
    return (1.0 + wc) / (1.0 / cement_sg + wc)


def cement_kg(slurry_l: float, density_kg_l: float, wc: float) -> float:
    """cement = V·ρ/(1+w/c) (domain.md §3)."""
    return slurry_l * density_kg_l / (1.0 + wc)
