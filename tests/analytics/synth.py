"""Synthetic piles for tests: legs of constant speed, flow and rpm, sampled every dt seconds.

Each leg starts with a sample at its own start time carrying its own flow, so flow changes
are exact steps (the zero-length interval between two legs integrates nothing).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from analytics.series import PileSeries


@dataclass(frozen=True)
class Leg:
    to_m: float
    seconds: float
    flow_l_min: float = 40.0
    rpm: float = 50.0


def move(
    to_m: float, speed_m_min: float, from_m: float, flow: float = 40.0, rpm: float = 50.0
) -> Leg:
    return Leg(to_m, abs(to_m - from_m) / speed_m_min * 60.0, flow, rpm)


def build(legs: list[Leg], dt: float = 1.0, start_m: float = 0.0, **const: float) -> PileSeries:
    t_parts, d_parts, q_parts, n_parts = [], [], [], []
    t0, d0 = 0.0, start_m
    for leg in legs:
        n = round(leg.seconds / dt)
        frac = np.arange(n + 1) / n if n else np.zeros(1)
        t_parts.append(t0 + frac * leg.seconds)
        d_parts.append(d0 + frac * (leg.to_m - d0))
        q_parts.append(np.full(frac.shape[0], leg.flow_l_min))
        n_parts.append(np.full(frac.shape[0], leg.rpm))
        t0 += leg.seconds
        d0 = leg.to_m
    t = np.concatenate(t_parts)
    n_samples = t.shape[0]
    extra = {k: np.full(n_samples, v) for k, v in const.items()}
    return PileSeries.from_arrays(
        t, np.concatenate(d_parts), np.concatenate(q_parts), rpm=np.concatenate(n_parts), **extra
    )


def good_4s2p(length_m: float = 10.0, dt: float = 1.0, flow: float = 60.0) -> PileSeries:
    """Spray down at 0.8 m/min, dwell 40 s, spray up at 0.5, mix down 1.0 / up 1.0 (no flow).

    Cement per metre (ρ 1.78, w/c 0.55 → 1.148 kg per L): down 60/0.8 = 75 L/m, up 60/0.5 =
    120 L/m, together 195 L/m ≈ 224 kg/m — well above 55 kg/m.
    """
    legs = [
        move(length_m, 0.8, 0.0, flow, 50.0),
        Leg(length_m, 40.0, flow, 50.0),
        move(0.0, 0.5, length_m, flow, 50.0),
        move(length_m, 1.0, 0.0, 0.0, 50.0),
        move(0.0, 1.0, length_m, 0.0, 50.0),
    ]
    return build(
        legs, dt, density_kg_l=1.78, wc=0.6, pressure_mpa=0.5, tilt_x_deg=0.1, tilt_y_deg=0.1
    )
