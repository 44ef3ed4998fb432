"""Checks on the sample stream (domain §4): pressure, w/c, density and tilt while in the
ground, slurry interruptions (断浆), and the dwell at the bottom.

Sample rules look at samples in the ground (and, but for tilt, while spraying) and ignore
violations shorter than ``limits.min_violation_s``; a violation lasts until the next good
sample. Tilt is the combined inclination √(x² + y²) in degrees (small-angle). At most
``limits.max_findings_per_rule`` findings per rule.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from analytics.cleaning import runs
from analytics.findings import Finding
from analytics.findings import interval_text as _iv
from analytics.kinematics import sample_direction
from analytics.limits import AcceptanceLimits
from analytics.series import BoolArray, FloatArray, PileSeries


def check_samples(
    series: PileSeries, limits: AcceptanceLimits, design_density_kg_l: float | None = None
) -> list[Finding]:
    """Pressure, w/c and density while spraying in the ground; tilt in the ground."""
    out: list[Finding] = []
    d, q = series.depth_m, series.flow_l_min
    in_ground = d > 0
    spraying = in_ground & (q >= limits.spray_min_flow_l_min)
    tilt = np.hypot(series.tilt_x_deg, series.tilt_y_deg)
    rules = (
        (
            "pressure",
            "pressure",
            series.pressure_mpa,
            spraying,
            limits.pressure_min_mpa,
            limits.pressure_max_mpa,
            " MPa",
            2,
        ),
        ("wc", "w/c", series.wc, spraying, limits.wc_min, limits.wc_max, "", 2),
        (
            "density",
            "density",
            series.density_kg_l,
            spraying,
            limits.density_min_kg_l,
            limits.density_max_kg_l,
            " kg/L",
            2,
        ),
        ("tilt", "mast inclination", tilt, in_ground, None, limits.max_tilt_deg, "°", 2),
    )
    for rule, label, arr, where, lo, hi, unit, dec in rules:
        low = where & (arr < lo) if lo is not None else np.zeros(len(series), dtype=bool)
        high = where & (arr > hi) if hi is not None else np.zeros(len(series), dtype=bool)
        for mask, bound, word, pick in ((low, lo, "below", np.min), (high, hi, "above", np.max)):
            if bound is None or not mask.any():
                continue
            out.extend(
                _sample_runs(
                    series,
                    mask,
                    arr,
                    pick,
                    limits,
                    rule,
                    label,
                    f"{word} {bound:.{dec}f}{unit}",
                    bound,
                    unit,
                    dec,
                )
            )
    if design_density_kg_l is not None and limits.density_design_tolerance_kg_l is not None:
        rho = series.density_kg_l[spraying]
        rho = rho[np.isfinite(rho)]
        lim = design_density_kg_l - limits.density_design_tolerance_kg_l
        if rho.shape[0] and float(rho.mean()) < lim:
            out.append(
                Finding(
                    "density_mean",
                    "warning",
                    float(d[spraying].min()),
                    float(d[spraying].max()),
                    float(rho.mean()),
                    lim,
                    f"mean density while spraying {rho.mean():.2f} kg/L is below "
                    f"design {design_density_kg_l:.2f} − "
                    f"{limits.density_design_tolerance_kg_l:.2f} kg/L ({lim:.2f})",
                )
            )
    return out


def _sample_runs(
    series: PileSeries,
    mask: BoolArray,
    arr: FloatArray,
    pick: Callable[..., float],
    limits: AcceptanceLimits,
    rule: str,
    label: str,
    words: str,
    bound: float,
    unit: str,
    dec: int,
) -> list[Finding]:
    t, d = series.t_s, series.depth_m
    starts, ends = runs(mask)
    duration = t[np.minimum(ends, len(series) - 1)] - t[starts]
    long = duration >= limits.min_violation_s
    out: list[Finding] = []
    for s, e, dur in list(zip(starts[long], ends[long], duration[long], strict=True))[
        : limits.max_findings_per_rule
    ]:
        v = float(pick(arr[s:e]))
        top, bottom = float(d[s:e].min()), float(d[s:e].max())
        out.append(
            Finding(
                rule,
                "warning",
                top,
                bottom,
                v,
                bound,
                f"{label} {v:.{dec}f}{unit} at {_iv(top, bottom)} for {dur:.0f} s is {words}",
            )
        )
    return out


def check_interruptions(series: PileSeries, limits: AcceptanceLimits) -> list[Finding]:
    """Slurry interruptions (断浆): flow stops while the tool moves on, then restarts.

    An interruption is a run of samples without flow that follows flow and is followed by
    flow again, during which the tool moved on (in the direction it was going when flow
    stopped, at depth d_s) by ≥ ``interruption_min_move_m`` without reaching the end of the
    stroke (the top zone ``interruption_top_m`` on withdrawal, the bottom band on
    penetration — stopping flow there ends a spraying stroke). It is covered if, between
    the stop and the moment the tool next passes d_s again with flow on, it went back at
    least ``interruption_overlap_m`` beyond d_s into treated soil (deeper on withdrawal,
    shallower on penetration); else the depth span crossed without flow is a defect.
    """
    n = len(series)
    if n < 3:
        return []
    d = series.depth_m
    flow_on = series.flow_l_min >= limits.spray_min_flow_l_min
    starts, ends = runs(~flow_on)
    keep = (starts > 0) & (ends < n)
    stop, restart = starts[keep] - 1, ends[keep]
    if stop.shape[0] == 0:
        return []
    idx = np.empty(2 * stop.shape[0], dtype=np.int64)
    idx[0::2], idx[1::2] = stop, restart + 1
    ext = np.append(d, d[-1])
    run_max = np.maximum.reduceat(ext, idx)[0::2]
    run_min = np.minimum.reduceat(ext, idx)[0::2]
    d_s = d[stop]
    direction = sample_direction(d)[stop]
    bottom = float(d.max()) - limits.bottom_band_m
    moved = np.where(direction > 0, run_max - d_s, d_s - run_min)
    to_end = np.where(direction > 0, run_max >= bottom, run_min <= limits.interruption_top_m)
    event = (moved >= limits.interruption_min_move_m) & ~to_end
    out: list[Finding] = []
    ov = limits.interruption_overlap_m
    for s, r, ds, sign, top, bot in zip(
        stop[event],
        restart[event],
        d_s[event],
        direction[event],
        run_min[event],
        run_max[event],
        strict=True,
    ):
        past = (d[r:] <= ds) if sign < 0 else (d[r:] >= ds)
        hits = np.flatnonzero(flow_on[r:] & past)
        k = r + int(hits[0]) if hits.shape[0] else n - 1
        window = d[s : k + 1]
        back = float(window.max() - ds) if sign < 0 else float(ds - window.min())
        stroke = "withdrawal" if sign < 0 else "penetration"
        if back >= ov:
            out.append(
                Finding(
                    "slurry_interruption",
                    "info",
                    float(top),
                    float(bot),
                    back,
                    ov,
                    f"slurry stopped at {ds:.2f} m on {stroke} ({_iv(top, bot)}); "
                    f"the tool went back {back:.2f} m (≥ {ov:.2f} m): covered",
                )
            )
        else:
            out.append(
                Finding(
                    "slurry_interruption",
                    "critical",
                    float(top),
                    float(bot),
                    back,
                    ov,
                    f"slurry stopped at {ds:.2f} m on {stroke}: {_iv(top, bot)} "
                    f"without slurry; the tool went back only {back:.2f} m, "
                    f"less than {ov:.2f} m",
                )
            )
    return out[: limits.max_findings_per_rule]


def bottom_dwell_s(series: PileSeries, band_m: float, gap_s: float = 10.0) -> float:
    """The longest single stay within ``band_m`` of the deepest depth, in seconds.

    A stay is a run of consecutive intervals with both ends in the band and none longer
    than ``gap_s``. The dwell is one stay at the bottom before lifting (§4: spray and mix
    30 s before lifting), so separate strokes passing through the band (4S2P reaches the
    bottom twice) do not add up: two 20 s turns are no 30 s dwell. The descent into and the
    climb out of the band count (≈ band / speed each way).
    """
    if len(series) < 2:
        return 0.0
    d = series.depth_m
    near = d >= d.max() - band_m
    dt = series.t_s[1:] - series.t_s[:-1]
    stay = near[:-1] & near[1:] & (dt <= gap_s)
    starts, ends = runs(stay)
    if starts.shape[0] == 0:
        return 0.0
    csum = np.concatenate([[0.0], np.cumsum(np.where(stay, dt, 0.0))])
    return float((csum[ends] - csum[starts]).max())
