"""Pile checks against acceptance limits (domain §4), each failure a ``Finding``.

Severities: ``critical`` and ``warning`` fail a final pile; ``info`` does not. A bin between
the warning fraction (90%) and design is ``info``: single 0.5 m bins carry sampling noise,
while the pile's total must still reach design × length (a critical rule).
Bin rules with many neighbouring failing bins are merged into one depth interval, except
the cement rule, which names every bin. Sample rules (pressure, w/c, density, tilt) look at
samples in the ground (and, but for tilt, while spraying) and ignore violations shorter than
``limits.min_violation_s``. At most ``limits.max_findings_per_rule`` findings per rule.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass

import numpy as np

from analytics.binning import DepthProfile
from analytics.cleaning import runs
from analytics.kinematics import sample_direction
from analytics.limits import AcceptanceLimits
from analytics.series import BoolArray, FloatArray, PileSeries
from siteplan.csv_format import PlannedPile

# Speeds equal to a limit within rounding (1e-6 m/min) do not exceed it.
SPEED_EPS_M_MIN = 1e-6
SEVERITY_ORDER = {"critical": 0, "warning": 1, "info": 2}


@dataclass(frozen=True, slots=True)
class Finding:
    rule: str
    severity: str
    depth_top_m: float | None
    depth_bottom_m: float | None
    value: float | None
    limit: float | None
    message: str

    @property
    def fails(self) -> bool:
        return self.severity != "info"

    def to_dict(self) -> dict[str, object]:
        return {name: getattr(self, name) for name in self.__slots__}


def _iv(top: float, bottom: float) -> str:
    return f"{top:.1f}–{bottom:.1f} m"


def check_bin_cement(
    profile: DepthProfile,
    design_kg_m: float,
    limits: AcceptanceLimits,
    only: Collection[int] | None = None,
) -> list[Finding]:
    """Cement per metre of each bin against design (and each stroke's share if configured).
    ``only`` restricts the check to some bin indices (live evaluation of closed bins)."""
    idx = np.arange(profile.bin_count)
    if only is not None:
        idx = idx[np.isin(idx, np.fromiter(only, dtype=np.int64, count=len(only)))]
    top, bottom = profile.top_m[idx], profile.bottom_m[idx]
    out: list[Finding] = []
    warn = limits.bin_warning_fraction * design_kg_m
    crit = limits.bin_critical_fraction * design_kg_m
    x = profile.cement_kg_m[idx]
    for i in np.flatnonzero(x < design_kg_m):
        value = float(x[i])
        pct = f"{design_kg_m:.1f} kg/m"
        if value < crit:
            frac = limits.bin_critical_fraction
            sev, lim, what = "critical", crit, f"below {frac:.0%} of design {pct} ({crit:.1f})"
        elif value < warn:
            frac = limits.bin_warning_fraction
            sev, lim, what = "warning", warn, f"below {frac:.0%} of design {pct} ({warn:.1f})"
        else:
            sev, lim, what = "info", design_kg_m, f"below design {pct}"
        out.append(
            Finding(
                "bin_cement",
                sev,
                float(top[i]),
                float(bottom[i]),
                value,
                lim,
                f"cement {value:.1f} kg/m at {_iv(top[i], bottom[i])} is {what}",
            )
        )
    if limits.stroke_min_fraction is not None:
        lim = limits.stroke_min_fraction * design_kg_m
        for name, arr in (
            ("penetration", profile.cement_down_kg_m[idx]),
            ("withdrawal", profile.cement_up_kg_m[idx]),
        ):
            for i in np.flatnonzero(arr < lim):
                out.append(
                    Finding(
                        "stroke_cement",
                        "warning",
                        float(top[i]),
                        float(bottom[i]),
                        float(arr[i]),
                        lim,
                        f"{name} cement {arr[i]:.1f} kg/m at {_iv(top[i], bottom[i])} is below "
                        f"{limits.stroke_min_fraction:.0%} of design {design_kg_m:.1f} kg/m "
                        f"({lim:.1f})",
                    )
                )
    return out


def _bin_runs(
    profile: DepthProfile,
    mask: BoolArray,
    values: FloatArray,
    worst: Callable[..., float],
) -> list[tuple[float, float, float]]:
    starts, ends = runs(mask)
    return [
        (float(profile.top_m[s]), float(profile.bottom_m[e - 1]), float(worst(values[s:e])))
        for s, e in zip(starts, ends, strict=True)
    ]


def check_bins_process(
    profile: DepthProfile,
    plan: PlannedPile | None,
    limits: AcceptanceLimits,
    *,
    final: bool,
) -> list[Finding]:
    """Speeds per bin (always) and passes and blade passes per bin (final piles only)."""
    out: list[Finding] = []
    speed_rules = (
        (
            "withdrawal_speed",
            "withdrawal speed while spraying",
            profile.max_withdrawal_spraying_m_min,
            limits.max_withdrawal_spraying_m_min,
        ),
        (
            "penetration_speed",
            "penetration speed",
            profile.max_penetration_m_min,
            limits.max_penetration_m_min,
        ),
    )
    for rule, label, arr, lim in speed_rules:
        if lim is None:
            continue
        for top, bottom, v in _bin_runs(profile, arr > lim + SPEED_EPS_M_MIN, arr, np.max):
            out.append(
                Finding(
                    rule,
                    "warning",
                    top,
                    bottom,
                    v,
                    lim,
                    f"{label} {v:.2f} m/min at {_iv(top, bottom)} exceeds {lim:.2f} m/min",
                )
            )
    if not final:
        return out
    if limits.min_withdrawal_spraying_m_min is not None:
        lim = limits.min_withdrawal_spraying_m_min
        arr = profile.max_withdrawal_spraying_m_min
        for top, bottom, v in _bin_runs(
            profile, (arr > 0) & (arr < lim - SPEED_EPS_M_MIN), arr, np.min
        ):
            out.append(
                Finding(
                    "withdrawal_speed_low",
                    "warning",
                    top,
                    bottom,
                    v,
                    lim,
                    f"withdrawal speed while spraying {v:.2f} m/min at "
                    f"{_iv(top, bottom)} is below {lim:.2f} m/min",
                )
            )
    if limits.min_penetration_m_min is not None:
        lim = limits.min_penetration_m_min
        arr = profile.max_penetration_m_min
        for top, bottom, v in _bin_runs(
            profile, (arr > 0) & (arr < lim - SPEED_EPS_M_MIN), arr, np.min
        ):
            out.append(
                Finding(
                    "penetration_speed_low",
                    "warning",
                    top,
                    bottom,
                    v,
                    lim,
                    f"penetration speed {v:.2f} m/min at {_iv(top, bottom)} is "
                    f"below {lim:.2f} m/min",
                )
            )
    if plan is not None and limits.check_process_passes:
        for label, count_arr, need in (
            ("tool passes", profile.passes, plan.mixing_passes),
            ("spraying passes", profile.spraying_passes, plan.spraying_passes),
        ):
            values = count_arr.astype(np.float64)
            for top, bottom, v in _bin_runs(profile, count_arr < need, values, np.min):
                out.append(
                    Finding(
                        "process_passes",
                        "critical",
                        top,
                        bottom,
                        v,
                        float(need),
                        f"{label} {v:.0f} at {_iv(top, bottom)} are fewer than "
                        f"process {plan.process} asks ({need})",
                    )
                )
    t_min, m_min = limits.min_blade_passes_per_m, limits.min_mixing_count
    t_arr, m_arr = profile.blade_passes_per_m, profile.mixing_count
    t_low = t_arr < t_min if t_min is not None else np.zeros(profile.bin_count, dtype=bool)
    m_low = m_arr < m_min if m_min is not None else np.zeros(profile.bin_count, dtype=bool)
    rule_mask = {"either": t_low & m_low, "both": t_low | m_low, "T": t_low, "M": m_low}
    mask = rule_mask[limits.mixing_rule]
    for top, bottom, v in _bin_runs(profile, mask & t_low, t_arr, np.min):
        out.append(
            Finding(
                "blade_passes",
                "warning",
                top,
                bottom,
                v,
                t_min,
                f"blade passes T {v:.0f} per m at {_iv(top, bottom)} are below {t_min:.0f}",
            )
        )
    for top, bottom, v in _bin_runs(profile, mask & m_low & ~t_low, m_arr, np.min):
        out.append(
            Finding(
                "mixing_count",
                "warning",
                top,
                bottom,
                v,
                m_min,
                f"mixing count M {v:.1f} at {_iv(top, bottom)} is below {m_min:.0f}",
            )
        )
    return out


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
    """Time spent within ``band_m`` of the deepest depth (both interval ends in the band)."""
    if len(series) < 2:
        return 0.0
    d = series.depth_m
    near = d >= d.max() - band_m
    dt = series.t_s[1:] - series.t_s[:-1]
    return float(dt[near[:-1] & near[1:] & (dt <= gap_s)].sum())


def check_pile_totals(
    series: PileSeries,
    profile: DepthProfile,
    plan: PlannedPile,
    limits: AcceptanceLimits,
    gap_s: float = 10.0,
) -> list[Finding]:
    """Depth reached, total cement and bottom dwell of a finished pile."""
    out: list[Finding] = []
    reached = float(series.depth_m.max()) if len(series) else 0.0
    need = plan.design_length_m - limits.depth_tolerance_m
    if reached < need:
        out.append(
            Finding(
                "depth",
                "critical",
                reached,
                plan.design_length_m,
                reached,
                need,
                f"depth reached {reached:.2f} m is short of design {plan.design_length_m:.2f} m",
            )
        )
    total = profile.cement_total_kg
    want = plan.design_cement_kg_m * plan.design_length_m * limits.total_cement_fraction
    if total < want:
        out.append(
            Finding(
                "total_cement",
                "critical",
                0.0,
                reached,
                total,
                want,
                f"total cement {total:.1f} kg is below design {want:.1f} kg "
                f"({plan.design_cement_kg_m:.1f} kg/m × "
                f"{plan.design_length_m:.2f} m)",
            )
        )
    if limits.min_bottom_dwell_s is not None and len(series) >= 2:
        dwell = bottom_dwell_s(series, limits.bottom_band_m, gap_s)
        if dwell < limits.min_bottom_dwell_s:
            out.append(
                Finding(
                    "bottom_dwell",
                    "warning",
                    reached - limits.bottom_band_m,
                    reached,
                    dwell,
                    limits.min_bottom_dwell_s,
                    f"dwell at the bottom {dwell:.0f} s at "
                    f"{_iv(reached - limits.bottom_band_m, reached)} is shorter "
                    f"than {limits.min_bottom_dwell_s:.0f} s",
                )
            )
    return out


def sort_findings(findings: list[Finding]) -> list[Finding]:
    return sorted(
        findings,
        key=lambda f: (
            SEVERITY_ORDER.get(f.severity, 3),
            f.depth_top_m if f.depth_top_m is not None else -1.0,
        ),
    )
