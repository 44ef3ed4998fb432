"""Depth bins along a pile: cement, slurry, blade passes and speeds per bin (domain §3).

Integration, exactly:

* Between two samples (an *interval*) depth, flow and rpm are taken as linear in time.
  Slurry of the interval is the trapezoid ``(q0 + q1) / 2 · dt``; revolutions likewise.
* An interval that crosses bin borders is split where its depth line crosses them. Since
  depth is linear in time, the depth fraction ``s`` of the crossing is also the time
  fraction, and the piece between fractions a and b gets ``dt · ∫_a^b q(s) ds`` — the
  exact share of the trapezoid. The pieces of an interval add up to its trapezoid.
* An interval without depth change goes whole to the bin holding its depth. Bins hold
  ``(top, bottom]``: a tool dwelling exactly at 3.0 m is in bin 2.5–3.0, at the pile
  bottom in the last bin; at or above 0 m it is outside the pile.
* An interval longer than ``gap_s`` is a gap: no flow and no revolutions are integrated
  across it (its passes still count, since the tool did move through).
* Cement of a piece = slurry · ρ / (1 + w/c) with ρ and w/c the interval's means.
* Bins run from 0 to the deepest depth reached. The last bin is cut at that depth; a rest
  shorter than half a bin is merged into the bin above it, so per-metre values stay sane.
  Per-metre amounts divide by each bin's own length. Flow pumped outside the bins (tool
  above the platform) is reported as ``cement_outside_kg`` and not in any bin.
* Direction: an interval going down is penetration, up is withdrawal; a still interval
  takes the last movement's direction (see ``kinematics.interval_direction``).
* Passes: the depth line crossing a bin's mid-depth, counted once per crossing (a path
  touching the mid-depth counts once). A spraying pass has flow ≥ ``spray_min_flow_l_min``
  at the crossing.
* Blade passes T (EN 14679): ΣM · revolutions in the bin / bin length, counting only the
  revolutions made once the bin has received slurry (so with injection on withdrawal only
  the penetration revolutions count 0, as EN 14679 says). Mixing count M (Chinese practice)
  = h · cos β · Z · all revolutions in the bin / bin length. For a stroke at constant N and
  v these are ΣM·N/v and h·cosβ·Z·N/v, summed over strokes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from analytics.kinematics import DEFAULT_SPEED_WINDOW_S, interval_direction, vertical_speed_m_min
from analytics.series import FloatArray, IntArray, PileSeries


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


@dataclass(frozen=True, slots=True)
class BinningConfig:
    gap_s: float = 10.0
    spray_min_flow_l_min: float = 1.0
    speed_window_s: float = DEFAULT_SPEED_WINDOW_S
    min_last_bin_fraction: float = 0.5
    slurry_present_l: float = 1e-6


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
    return _mixing_factor(geometry) * rpm / speed_m_min


def _mixing_factor(geometry: RigGeometry) -> float:
    return (
        geometry.blade_width_m * math.cos(math.radians(geometry.blade_angle_deg)) * geometry.blades
    )


def bin_edges(depth_reached_m: float, bin_m: float, min_last_fraction: float = 0.5) -> FloatArray:
    """Edges from 0 to ``depth_reached_m`` (see the module text for the last bin)."""
    if not bin_m > 0:
        raise BinningError("bin_m", bin_m, "must be > 0")
    if not depth_reached_m > 0:
        return np.zeros(1)
    full = math.floor(depth_reached_m / bin_m + 1e-9)
    edges = np.arange(full + 1) * bin_m
    rest = depth_reached_m - full * bin_m
    if full == 0 or rest >= min_last_fraction * bin_m:
        edges = np.append(edges, depth_reached_m)
    else:  # merge the rest (even a rounding crumb) into the last bin: it ends at the bottom
        edges[-1] = depth_reached_m
    return np.asarray(edges, dtype=np.float64)


@dataclass(frozen=True, slots=True)
class DepthBin:
    top_m: float
    bottom_m: float
    cement_kg_m: float
    cement_down_kg_m: float
    cement_up_kg_m: float
    slurry_l_m: float
    blade_passes_per_m: float
    mixing_count: float
    max_withdrawal_m_min: float
    max_withdrawal_spraying_m_min: float
    max_penetration_m_min: float
    passes: int
    spraying_passes: int
    pressure_min_mpa: float | None
    pressure_max_mpa: float | None

    def to_dict(self) -> dict[str, float | int | None]:
        return {name: getattr(self, name) for name in self.__slots__}


@dataclass(frozen=True, slots=True, eq=False)
class DepthProfile:
    """Per-bin totals (arrays, one entry per bin); per-metre values are properties."""

    edges_m: FloatArray
    cement_kg: FloatArray
    cement_down_kg: FloatArray
    cement_up_kg: FloatArray
    slurry_l: FloatArray
    revolutions: FloatArray
    revolutions_with_slurry: FloatArray
    max_withdrawal_m_min: FloatArray
    max_withdrawal_spraying_m_min: FloatArray
    max_penetration_m_min: FloatArray
    passes: IntArray
    spraying_passes: IntArray
    pressure_min_mpa: FloatArray
    pressure_max_mpa: FloatArray
    geometry: RigGeometry
    cement_outside_kg: float
    slurry_outside_l: float

    @property
    def bin_count(self) -> int:
        return int(self.edges_m.shape[0] - 1)

    @property
    def top_m(self) -> FloatArray:
        return self.edges_m[:-1]

    @property
    def bottom_m(self) -> FloatArray:
        return self.edges_m[1:]

    @property
    def length_m(self) -> FloatArray:
        return np.diff(self.edges_m)

    @property
    def cement_kg_m(self) -> FloatArray:
        return self.cement_kg / self.length_m

    @property
    def cement_down_kg_m(self) -> FloatArray:
        return self.cement_down_kg / self.length_m

    @property
    def cement_up_kg_m(self) -> FloatArray:
        return self.cement_up_kg / self.length_m

    @property
    def slurry_l_m(self) -> FloatArray:
        return self.slurry_l / self.length_m

    @property
    def blade_passes_per_m(self) -> FloatArray:
        return self.geometry.blades * self.revolutions_with_slurry / self.length_m

    @property
    def mixing_count(self) -> FloatArray:
        return _mixing_factor(self.geometry) * self.revolutions / self.length_m

    @property
    def cement_total_kg(self) -> float:
        return float(self.cement_kg.sum())

    def bins(self) -> list[DepthBin]:
        cols = zip(
            self.top_m.tolist(),
            self.bottom_m.tolist(),
            self.cement_kg_m.tolist(),
            self.cement_down_kg_m.tolist(),
            self.cement_up_kg_m.tolist(),
            self.slurry_l_m.tolist(),
            self.blade_passes_per_m.tolist(),
            self.mixing_count.tolist(),
            self.max_withdrawal_m_min.tolist(),
            self.max_withdrawal_spraying_m_min.tolist(),
            self.max_penetration_m_min.tolist(),
            self.passes.tolist(),
            self.spraying_passes.tolist(),
            _none_for_nan(self.pressure_min_mpa),
            _none_for_nan(self.pressure_max_mpa),
            strict=True,
        )
        return [DepthBin(*row) for row in cols]


def _none_for_nan(arr: FloatArray) -> list[float | None]:
    return [None if math.isnan(x) else x for x in arr.tolist()]


def _sum_by(index: IntArray, weights: FloatArray, nb: int) -> FloatArray:
    return np.asarray(np.bincount(index, weights, minlength=nb), dtype=np.float64)


def _linear_integral(x0: FloatArray, x1: FloatArray, a: FloatArray, b: FloatArray) -> FloatArray:
    """∫_a^b (x0 + (x1 − x0) s) ds for a value linear over s ∈ [0, 1]."""
    return x0 * (b - a) + (x1 - x0) * (b * b - a * a) / 2.0


def depth_profile(
    series: PileSeries,
    bin_m: float = 0.5,
    geometry: RigGeometry = RigGeometry(),
    config: BinningConfig = BinningConfig(),
    edges_m: FloatArray | None = None,
) -> DepthProfile:
    """Bin a (cleaned) series; ``edges_m`` overrides the bins (e.g. a fixed live grid)."""
    t, d = series.t_s, series.depth_m
    if edges_m is None:
        reached = float(d.max()) if d.shape[0] else 0.0
        edges_m = bin_edges(reached, bin_m, config.min_last_bin_fraction)
    edges = np.asarray(edges_m, dtype=np.float64)
    nb = edges.shape[0] - 1
    if nb < 1 or t.shape[0] < 2:
        return _empty(edges, geometry)
    dt = np.diff(t)
    d0, d1 = d[:-1], d[1:]
    dd = d1 - d0
    flowing = (dt > 0) & (dt <= config.gap_s)
    minutes = np.where(flowing, dt / 60.0, 0.0)
    q, rpm = series.flow_l_min, np.nan_to_num(series.rpm, nan=0.0)
    factor = series.density_kg_l / (1.0 + series.wc)
    factor_i = np.nan_to_num((factor[:-1] + factor[1:]) / 2.0, nan=0.0)
    lo, hi = np.minimum(d0, d1), np.maximum(d0, d1)
    moving = dd != 0
    first = np.where(
        moving, np.searchsorted(edges, lo, "right") - 1, np.searchsorted(edges, d0, "left") - 1
    )
    last = np.where(moving, np.searchsorted(edges, hi, "left") - 1, first)
    first = np.clip(first, 0, nb - 1)
    last = np.clip(last, 0, nb - 1)
    count = np.maximum(last - first + 1, 1)
    owner = np.repeat(np.arange(dt.shape[0]), count)
    offset = np.arange(owner.shape[0]) - np.repeat(np.cumsum(count) - count, count)
    b = first[owner] + offset
    top, bottom = edges[b], edges[b + 1]
    ov_lo = np.maximum(lo[owner], top)
    ov_hi = np.minimum(hi[owner], bottom)
    inside = ov_hi > ov_lo
    mv = moving[owner]
    safe_dd = np.where(moving, dd, 1.0)[owner]
    sa = np.clip((ov_lo - d0[owner]) / safe_dd, 0.0, 1.0)
    sb = np.clip((ov_hi - d0[owner]) / safe_dd, 0.0, 1.0)
    a = np.where(mv, np.where(inside, np.minimum(sa, sb), 0.0), 0.0)
    still_in = (d0[owner] > edges[0]) & (d0[owner] <= edges[-1])
    bfrac = np.where(mv, np.where(inside, np.maximum(sa, sb), 0.0), np.where(still_in, 1.0, 0.0))
    mins = minutes[owner]
    slurry = mins * _linear_integral(q[:-1][owner], q[1:][owner], a, bfrac)
    revs = mins * _linear_integral(rpm[:-1][owner], rpm[1:][owner], a, bfrac)
    cement = slurry * factor_i[owner]
    direction = interval_direction(d)[owner]
    down = direction > 0
    slurry_bin = _sum_by(b, slurry, nb)
    cement_bin = _sum_by(b, cement, nb)
    # Revolutions count for T once the bin holds slurry (cumulative per bin in time order).
    order = np.argsort(b, kind="stable")
    s_sorted = slurry[order]
    csum = np.cumsum(s_sorted)
    b_sorted = b[order]
    group_first = np.concatenate([[True], b_sorted[1:] != b_sorted[:-1]])
    base = (csum - s_sorted)[group_first][np.cumsum(group_first) - 1]
    has_slurry = np.empty_like(csum, dtype=bool)
    has_slurry[order] = (csum - base) > config.slurry_present_l
    # Speeds per piece: mean of the smoothed speeds at the interval's ends.
    v = vertical_speed_m_min(t, d, config.speed_window_s)
    v_i = ((v[:-1] + v[1:]) / 2.0)[owner]
    touched = inside | (~mv & still_in)
    spraying_i = ((q[:-1] + q[1:]) / 2.0 >= config.spray_min_flow_l_min) & flowing
    max_with = np.zeros(nb)
    np.maximum.at(max_with, b[touched], np.maximum(-v_i[touched], 0.0))
    max_with_spray = np.zeros(nb)
    sel = touched & spraying_i[owner]
    np.maximum.at(max_with_spray, b[sel], np.maximum(-v_i[sel], 0.0))
    max_pen = np.zeros(nb)
    np.maximum.at(max_pen, b[touched], np.maximum(v_i[touched], 0.0))
    p = series.pressure_mpa
    p_lo = np.fmin(p[:-1], p[1:])[owner][touched]
    p_hi = np.fmax(p[:-1], p[1:])[owner][touched]
    pmin = np.full(nb, np.inf)
    pmax = np.full(nb, -np.inf)
    np.fmin.at(pmin, b[touched], p_lo)
    np.fmax.at(pmax, b[touched], p_hi)
    pmin[~np.isfinite(pmin)] = np.nan
    pmax[~np.isfinite(pmax)] = np.nan
    # Passes: crossings of each bin's mid-depth (lo < mid ≤ hi).
    mid = (top + bottom) / 2.0
    cross = mv & (lo[owner] < mid) & (mid <= hi[owner])
    s_mid = (mid - d0[owner]) / safe_dd
    q_mid = q[:-1][owner] + (q[1:][owner] - q[:-1][owner]) * s_mid
    spray_cross = cross & (q_mid >= config.spray_min_flow_l_min) & flowing[owner]
    total_cement = float(np.sum(minutes * (q[:-1] + q[1:]) / 2.0 * factor_i))
    total_slurry = float(np.sum(minutes * (q[:-1] + q[1:]) / 2.0))
    return DepthProfile(
        edges_m=edges,
        cement_kg=cement_bin,
        cement_down_kg=_sum_by(b[down], cement[down], nb),
        cement_up_kg=_sum_by(b[~down], cement[~down], nb),
        slurry_l=slurry_bin,
        revolutions=_sum_by(b, revs, nb),
        revolutions_with_slurry=_sum_by(b, np.where(has_slurry, revs, 0.0), nb),
        max_withdrawal_m_min=max_with,
        max_withdrawal_spraying_m_min=max_with_spray,
        max_penetration_m_min=max_pen,
        passes=np.bincount(b[cross], minlength=nb).astype(np.int64),
        spraying_passes=np.bincount(b[spray_cross], minlength=nb).astype(np.int64),
        pressure_min_mpa=pmin,
        pressure_max_mpa=pmax,
        geometry=geometry,
        cement_outside_kg=max(total_cement - float(cement_bin.sum()), 0.0),
        slurry_outside_l=max(total_slurry - float(slurry_bin.sum()), 0.0),
    )


def _empty(edges: FloatArray, geometry: RigGeometry) -> DepthProfile:
    nb = max(edges.shape[0] - 1, 0)
    z = np.zeros(nb)
    zi = np.zeros(nb, dtype=np.int64)
    nan = np.full(nb, np.nan)
    return DepthProfile(
        edges,
        z,
        z.copy(),
        z.copy(),
        z.copy(),
        z.copy(),
        z.copy(),
        z.copy(),
        z.copy(),
        z.copy(),
        zi,
        zi.copy(),
        nan,
        nan.copy(),
        geometry,
        0.0,
        0.0,
    )
