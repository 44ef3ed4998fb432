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
  across it (its passes still count, since the tool did move through). What the bins would
  have got with flow linear across gaps is kept apart (``cement_gap_kg``), as are the
  passes made in a gap with flow at the crossing (``gap_spraying_passes``): checks report
  such a bin as not verified (``data_gap``) rather than as a measured deficit.
* Cement of a piece = slurry · ρ / (1 + w/c) with ρ and w/c the interval's means.
* Bins run from 0 to the deepest depth reached. The last bin is cut at that depth; a rest
  shorter than half a bin is merged into the bin above it, so per-metre values stay sane.
  Per-metre amounts divide by each bin's own length. Flow pumped outside the bins (tool
  above the platform) is reported as ``cement_outside_kg`` and not in any bin.
* Direction: an interval going down is penetration, up is withdrawal; a still interval
  takes the last movement's direction (see ``kinematics.interval_direction``).
* Speeds: each run of one direction is a stroke; for each stroke through a bin its mean
  speed there is the depth travelled in the bin over the time spent in it (pauses count).
  ``max_withdrawal_m_min`` / ``max_penetration_m_min`` are the fastest such stroke, over
  strokes that travelled ≥ ``speed_min_travel_m`` in the bin (so a turn or depth jitter
  makes no speed). "While spraying" takes only intervals whose both ends have flow ≥
  ``spray_min_flow_l_min``. A 1 cm depth encoder at 1 Hz then reads within about 2%.
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

from analytics.formulas import (
    DEFAULT_GEOMETRY,
    BinningError,
    RigGeometry,
    blade_rotation_number,
    cement_kg,
    mixing_count,
    mixing_factor,
)
from analytics.kinematics import fill_still
from analytics.profile import DepthBin, DepthProfile
from analytics.series import BoolArray, FloatArray, IntArray, PileSeries

__all__ = [
    "BinningConfig",
    "BinningError",
    "DepthBin",
    "DepthProfile",
    "RigGeometry",
    "bin_edges",
    "blade_rotation_number",
    "cement_kg",
    "depth_profile",
    "mixing_count",
    "mixing_factor",
]


@dataclass(frozen=True, slots=True)
class BinningConfig:
    gap_s: float = 10.0
    spray_min_flow_l_min: float = 1.0
    # A stroke's speed in a bin counts once it travelled this far in it (turns and jitter
    # do not make speeds).
    speed_min_travel_m: float = 0.10
    min_last_bin_fraction: float = 0.5
    slurry_present_l: float = 1e-6


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


def _sum_by(index: IntArray, weights: FloatArray, nb: int) -> FloatArray:
    return np.asarray(np.bincount(index, weights, minlength=nb), dtype=np.float64)


def _linear_integral(x0: FloatArray, x1: FloatArray, a: FloatArray, b: FloatArray) -> FloatArray:
    """∫_a^b (x0 + (x1 − x0) s) ds for a value linear over s ∈ [0, 1]."""
    return x0 * (b - a) + (x1 - x0) * (b * b - a * a) / 2.0


def depth_profile(
    series: PileSeries,
    bin_m: float = 0.5,
    geometry: RigGeometry = DEFAULT_GEOMETRY,
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
    dt = t[1:] - t[:-1]
    d0, d1 = d[:-1], d[1:]
    dd = d1 - d0
    flowing = (dt > 0) & (dt <= config.gap_s)
    minutes = np.where(flowing, dt / 60.0, 0.0)
    q, rpm = series.flow_l_min, series.rpm
    rpm_nan = np.isnan(rpm)
    no_rpm = bool(rpm_nan.all())  # no rotation channel: blade passes are unknown (NaN)
    rpm = np.where(rpm_nan, 0.0, rpm)
    factor = series.density_kg_l / (1.0 + series.wc)
    factor_i = (factor[:-1] + factor[1:]) / 2.0
    factor_i[np.isnan(factor_i)] = 0.0
    lo, hi = np.minimum(d0, d1), np.maximum(d0, d1)
    moving = dd != 0
    first = np.where(
        moving, np.searchsorted(edges, lo, "right") - 1, np.searchsorted(edges, d0, "left") - 1
    )
    last = np.where(moving, np.searchsorted(edges, hi, "left") - 1, first)
    first = np.minimum(np.maximum(first, 0), nb - 1)
    last = np.minimum(np.maximum(last, 0), nb - 1)
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
    d0_p = d0[owner]
    sa = np.minimum(np.maximum((ov_lo - d0_p) / safe_dd, 0.0), 1.0)
    sb = np.minimum(np.maximum((ov_hi - d0_p) / safe_dd, 0.0), 1.0)
    a = np.where(mv, np.where(inside, np.minimum(sa, sb), 0.0), 0.0)
    still_in = (d0_p > edges[0]) & (d0_p <= edges[-1])
    bfrac = np.where(mv, np.where(inside, np.maximum(sa, sb), 0.0), np.where(still_in, 1.0, 0.0))
    mins = minutes[owner]
    q0, q1 = q[:-1][owner], q[1:][owner]
    slurry = mins * _linear_integral(q0, q1, a, bfrac)
    revs = mins * _linear_integral(rpm[:-1][owner], rpm[1:][owner], a, bfrac)
    cement = slurry * factor_i[owner]
    dirs = fill_still(np.sign(dd).astype(np.int64))
    down = dirs[owner] > 0
    slurry_bin = _sum_by(b, slurry, nb)
    cement_bin = _sum_by(b, cement, nb)
    # Revolutions count for T from the first piece (in time order) that brings a bin slurry.
    pieces = b.shape[0]
    wet = slurry > config.slurry_present_l
    first_wet = np.full(nb, pieces, dtype=np.int64)
    np.minimum.at(first_wet, b[wet], np.flatnonzero(wet))
    has_slurry = np.arange(pieces) >= first_wet[b]
    # Speeds: for each stroke through a bin, depth travelled in the bin over time spent in it.
    touched = inside | (~mv & still_in)
    change = dirs[1:] != dirs[:-1]
    stroke = np.concatenate([[0], np.cumsum(change)])
    stroke_down = dirs[np.concatenate([[0], np.flatnonzero(change) + 1])] > 0
    key = stroke[owner] * nb + b
    travel = np.where(mv & inside, ov_hi - ov_lo, 0.0)
    secs = dt[owner] * (bfrac - a)
    spraying = (np.minimum(q[:-1], q[1:]) >= config.spray_min_flow_l_min) & flowing
    spray_p = spraying[owner]
    groups = (int(stroke[-1]) + 1) * nb
    max_with, max_pen = _stroke_speeds(key, travel, secs, nb, groups, stroke_down, config)
    max_with_spray, _ = _stroke_speeds(
        key[spray_p], travel[spray_p], secs[spray_p], nb, groups, stroke_down, config
    )
    bt = b[touched]
    p = series.pressure_mpa
    pmin = np.full(nb, np.nan)
    pmax = np.full(nb, np.nan)
    if not np.isnan(p).all():
        pmin[:] = np.inf
        pmax[:] = -np.inf
        np.fmin.at(pmin, bt, np.fmin(p[:-1], p[1:])[owner][touched])
        np.fmax.at(pmax, bt, np.fmax(p[:-1], p[1:])[owner][touched])
        pmin[np.isinf(pmin)] = np.nan
        pmax[np.isinf(pmax)] = np.nan
    # Passes: crossings of each bin's mid-depth (lo < mid ≤ hi).
    mid = (top + bottom) / 2.0
    cross = mv & (lo[owner] < mid) & (mid <= hi[owner])
    q_mid = q0 + (q1 - q0) * ((mid - d0_p) / safe_dd)
    spray_cross = cross & (q_mid >= config.spray_min_flow_l_min) & flowing[owner]
    gap = (dt > config.gap_s)[owner]
    gap_cement = np.where(
        gap, dt[owner] / 60.0 * _linear_integral(q0, q1, a, bfrac) * factor_i[owner], 0.0
    )
    gap_spray_cross = cross & gap & (q_mid >= config.spray_min_flow_l_min)
    total_cement = float(np.sum(minutes * (q[:-1] + q[1:]) / 2.0 * factor_i))
    total_slurry = float(np.sum(minutes * (q[:-1] + q[1:]) / 2.0))
    return DepthProfile(
        edges_m=edges,
        cement_kg=cement_bin,
        cement_down_kg=_sum_by(b[down], cement[down], nb),
        cement_up_kg=_sum_by(b[~down], cement[~down], nb),
        slurry_l=slurry_bin,
        revolutions=_sum_by(b, revs, nb) + (np.nan if no_rpm else 0.0),
        revolutions_with_slurry=_sum_by(b, np.where(has_slurry, revs, 0.0), nb)
        + (np.nan if no_rpm else 0.0),
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
        cement_gap_kg=_sum_by(b, gap_cement, nb),
        gap_spraying_passes=np.bincount(b[gap_spray_cross], minlength=nb).astype(np.int64),
    )


def _stroke_speeds(
    key: IntArray,
    travel: FloatArray,
    secs: FloatArray,
    nb: int,
    groups: int,
    stroke_down: BoolArray,
    config: BinningConfig,
) -> tuple[FloatArray, FloatArray]:
    """Per bin, the fastest (withdrawal, penetration) stroke's mean speed through it (m/min),
    over strokes that travelled at least ``speed_min_travel_m`` in the bin."""
    depth = np.bincount(key, travel, minlength=groups)
    time_s = np.bincount(key, secs, minlength=groups)
    ok = (depth >= config.speed_min_travel_m - 1e-12) & (time_s > 0)
    idx = np.flatnonzero(ok)
    speed = depth[idx] / time_s[idx] * 60.0
    down = stroke_down[idx // nb]
    withdrawal = np.zeros(nb)
    penetration = np.zeros(nb)
    np.maximum.at(withdrawal, idx[~down] % nb, speed[~down])
    np.maximum.at(penetration, idx[down] % nb, speed[down])
    return withdrawal, penetration


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
