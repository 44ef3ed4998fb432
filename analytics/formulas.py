"""Closed-form formulas of domain §3: cement in slurry, EN 14679 blade rotation number T and
the Chinese mixing count M, and the mixing tool's geometry they need."""

from __future__ import annotations

import math
from dataclasses import dataclass


class BinningError(ValueError):
    def __init__(self, name: str, value: object, reason: str) -> None:
        self.name = name
        self.value = value
        super().__init__(f"{name} = {value!r}: {reason}")


@dataclass(frozen=True, slots=True)
class RigGeometry:
    """Mixing tool: blade width h (m), blade angle β (degrees), blade count Z (= ΣM)."""

    blade_width_m: float = 0.10
    blade_angle_deg: float = 0.0
    blades: int = 4

    def __post_init__(self) -> None:
        if self.blade_width_m <= 0:
            raise BinningError("blade_width_m", self.blade_width_m, "must be > 0")
        if self.blades < 1:
            raise BinningError("blades", self.blades, "must be ≥ 1")


DEFAULT_GEOMETRY = RigGeometry()


def cement_kg(slurry_l: float, density_kg_l: float, wc: float) -> float:
    """Cement in ``slurry_l`` litres of slurry: V · ρ / (1 + w/c)."""
    if density_kg_l <= 0 or wc < 0:
        raise BinningError("density_kg_l, wc", (density_kg_l, wc), "must be > 0 and ≥ 0")
    return slurry_l * density_kg_l / (1.0 + wc)


def blade_rotation_number(
    blades: int,
    rpm_down: float,
    speed_down_m_min: float,
    rpm_up: float,
    speed_up_m_min: float,
    *,
    injection_on_withdrawal_only: bool = False,
) -> float:
    """EN 14679 T = ΣM · (Nd/Vd + Nu/Vu); Nd counts 0 with injection on withdrawal only."""
    if speed_down_m_min <= 0 or speed_up_m_min <= 0:
        raise BinningError("speed_m_min", (speed_down_m_min, speed_up_m_min), "must be > 0")
    nd = 0.0 if injection_on_withdrawal_only else rpm_down
    return blades * (nd / speed_down_m_min + rpm_up / speed_up_m_min)


def mixing_count(geometry: RigGeometry, rpm: float, speed_m_min: float) -> float:
    """M = h · cos β · Z · N / v for one stroke."""
    if speed_m_min <= 0:
        raise BinningError("speed_m_min", speed_m_min, "must be > 0")
    return mixing_factor(geometry) * rpm / speed_m_min


def mixing_factor(geometry: RigGeometry) -> float:
    return (
        geometry.blade_width_m * math.cos(math.radians(geometry.blade_angle_deg)) * geometry.blades
    )
