"""Pile checks against acceptance limits (domain §4), each failure a ``Finding``.

Severities: ``critical`` and ``warning`` fail a final pile; ``info`` does not. A bin between
the warning fraction (90%) and design is ``info``: single 0.5 m bins carry sampling noise,
while the pile's total must still reach design × length (a critical rule).
Bin rules with many neighbouring failing bins are merged into one depth interval, except
the cement rule, which names every bin. Sample rules (pressure, w/c, density, tilt,
interruptions, dwell) live in ``analytics.sample_checks`` and are re-exported here.
"""

from __future__ import annotations

from collections.abc import Callable, Collection

import numpy as np

from analytics.cleaning import runs
from analytics.findings import SEVERITY_ORDER, Finding, sort_findings
from analytics.findings import interval_text as _iv
from analytics.limits import AcceptanceLimits
from analytics.profile import DepthProfile
from analytics.sample_checks import (
    bottom_dwell_s,
    check_interruptions,
    check_samples,
)
from analytics.series import BoolArray, FloatArray, PileSeries
from siteplan.csv_format import PlannedPile

__all__ = [
    "SEVERITY_ORDER",
    "Finding",
    "bottom_dwell_s",
    "check_bin_cement",
    "check_bins_process",
    "check_interruptions",
    "check_pile_totals",
    "check_samples",
    "sort_findings",
]

# Speeds equal to a limit within rounding (1e-6 m/min) do not exceed it.
SPEED_EPS_M_MIN = 1e-6


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
    measured = profile.cement_kg_m[idx]
    gap = profile.gap_cement_kg_m[idx]
    # A data gap is no data, not a deficit: a bin short on its samples alone is judged with
    # flow taken linear across the gap; if that reaches design, the bin is reported as not
    # verified (data_gap, info) instead of short. A deficit the gap cannot explain remains.
    x = measured + gap
    for i in np.flatnonzero((measured < design_kg_m) & (x >= design_kg_m)):
        out.append(
            Finding(
                "data_gap",
                "info",
                float(top[i]),
                float(bottom[i]),
                float(measured[i]),
                design_kg_m,
                f"cement at {_iv(top[i], bottom[i])} not verified: {measured[i]:.1f} kg/m "
                f"measured, samples missing over part of the bin (with flow linear across "
                f"the gap {x[i]:.1f} kg/m, design {design_kg_m:.1f} kg/m)",
            )
        )
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
        note = " (incl. a data gap, flow taken linear across it)" if gap[i] > 0 else ""
        out.append(
            Finding(
                "bin_cement",
                sev,
                float(top[i]),
                float(bottom[i]),
                value,
                lim,
                f"cement {value:.1f} kg/m at {_iv(top[i], bottom[i])} is {what}{note}",
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
            if count_arr is profile.spraying_passes:
                # a spraying pass made while no samples came is not recorded: not verified
                unknown = (count_arr < need) & (count_arr + profile.gap_passes >= need)
                for top, bottom, v in _bin_runs(profile, unknown, values, np.min):
                    out.append(
                        Finding(
                            "data_gap",
                            "info",
                            top,
                            bottom,
                            v,
                            float(need),
                            f"{label} at {_iv(top, bottom)} not verified: {v:.0f} recorded, "
                            f"process {plan.process} asks {need}; samples missing at a pass",
                        )
                    )
                count_arr = count_arr + profile.gap_passes
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
