"""Cleaning raw rig telemetry, reporting every change as a ``CleaningStep`` (never silent).

What is cleaned, in order:

1. ``duplicate`` / ``out_of_order``: already done when the series was built; reported here.
2. ``counter_reset``: the sample counter restarts (new boot, or seq falls with time rising).
   Samples are kept; the step records where.
3. ``out_of_range``: sentinel or impossible values (e.g. -999, depth 9999) become missing.
4. ``depth_missing``: missing depth is interpolated in time from its neighbours.
5. ``spike``: a depth that departs from the running median (5 samples) by more than a rig
   could travel in that time (``max_depth_rate_m_min``) is replaced by interpolation.
6. ``flow_negative`` / ``flow_missing``: negative or missing flow counts as no flow.
7. ``stuck``: a channel in ``stuck_channels`` reading exactly the same value for
   ``stuck_min_samples`` samples or more while the tool moves ``stuck_min_depth_move_m``
   becomes missing (NaN), so checks skip it rather than trust it.
8. ``gap``: time gaps longer than ``gap_s``. The series keeps them; binning integrates no
   flow across a gap (pass the same ``gap_s`` to binning, as ``evaluate_pile`` does).
9. ``density_default`` / ``wc_default``: missing density or w/c take the mix design value.
10. ``rpm_missing``: missing rotation counts as none; with no rotation channel at all, blade
   passes and mixing count are unknown (NaN, None in bins) and their checks are skipped.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.ndimage import median_filter

from analytics.series import CHANNELS, BoolArray, FloatArray, PileSeries

DEFAULT_RANGES: tuple[tuple[str, float, float], ...] = (
    ("depth_m", -5.0, 150.0),
    ("flow_l_min", -50.0, 2000.0),
    ("rpm", -500.0, 500.0),
    ("density_kg_l", 0.8, 3.0),
    ("wc", 0.1, 5.0),
    ("pressure_mpa", -0.5, 25.0),
    ("current_a", -10.0, 5000.0),
    ("tilt_x_deg", -45.0, 45.0),
    ("tilt_y_deg", -45.0, 45.0),
)


class CleaningError(ValueError):
    """A cleaning setting that cannot work; names the setting and its value."""

    def __init__(self, name: str, value: object, reason: str) -> None:
        self.name = name
        self.value = value
        super().__init__(f"{name} = {value!r}: {reason}")


@dataclass(frozen=True, slots=True)
class CleaningConfig:
    max_depth_rate_m_min: float = 6.0
    spike_window: int = 5
    spike_margin_m: float = 0.05
    stuck_channels: tuple[str, ...] = ("pressure_mpa", "current_a")
    stuck_min_samples: int = 120
    stuck_min_depth_move_m: float = 1.0
    gap_s: float = 10.0
    # Used when neither the sample nor the plan gives them: w/c 0.55 and the density of such
    # a slurry with cement of 3.1 kg/L (1.55 / (1/3.1 + 0.55) ≈ 1.78 kg/L).
    default_density_kg_l: float = 1.78
    default_wc: float = 0.55
    ranges: tuple[tuple[str, float, float], ...] = DEFAULT_RANGES

    def __post_init__(self) -> None:
        if self.spike_window < 3 or self.spike_window % 2 == 0:
            raise CleaningError("spike_window", self.spike_window, "must be odd and ≥ 3")
        if self.gap_s <= 0:
            raise CleaningError("gap_s", self.gap_s, "must be > 0")
        if self.stuck_min_samples < 2:
            raise CleaningError("stuck_min_samples", self.stuck_min_samples, "must be ≥ 2")
        for name in self.stuck_channels:
            if name not in CHANNELS:
                raise CleaningError("stuck_channels", name, f"not one of {CHANNELS}")


@dataclass(frozen=True, slots=True)
class CleaningStep:
    kind: str
    channel: str
    count: int
    detail: str

    def to_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "channel": self.channel,
            "count": self.count,
            "detail": self.detail,
        }


@dataclass(frozen=True, slots=True)
class CleanedSeries:
    series: PileSeries
    steps: list[CleaningStep]


def clean_series(
    series: PileSeries,
    design_density_kg_l: float | None = None,
    design_wc: float | None = None,
    config: CleaningConfig = CleaningConfig(),
) -> CleanedSeries:
    steps: list[CleaningStep] = []
    n = len(series)
    if series.duplicates_removed:
        steps.append(
            CleaningStep(
                "duplicate",
                "seq",
                series.duplicates_removed,
                "same (boot, seq) delivered more than once; kept once",
            )
        )
    if series.out_of_order:
        steps.append(
            CleaningStep(
                "out_of_order",
                "t",
                series.out_of_order,
                "samples arrived after later ones; sorted by time",
            )
        )
    if n == 0:
        return CleanedSeries(series, steps)
    t = series.t_s
    _report_counter_resets(series, steps)
    matrix = np.vstack([series.channel(name) for name in CHANNELS])
    arrays = dict(zip(CHANNELS, matrix, strict=True))
    bounds = {name: (low, high) for name, low, high in config.ranges}
    low_col = np.array([[bounds.get(n, (-np.inf, np.inf))[0]] for n in CHANNELS])
    high_col = np.array([[bounds.get(n, (-np.inf, np.inf))[1]] for n in CHANNELS])
    bad_all = (matrix < low_col) | (matrix > high_col)  # NaN compares False; ±inf is out
    for row in np.flatnonzero(bad_all.any(axis=1)):
        name, arr, bad = CHANNELS[row], matrix[row], bad_all[row]
        low, high = bounds.get(name, (-np.inf, np.inf))
        count = int(np.count_nonzero(bad))
        worst = arr[bad][np.argmax(np.abs(arr[bad]))]
        steps.append(
            CleaningStep(
                "out_of_range",
                name,
                count,
                f"values outside {low:g}…{high:g} (e.g. {worst:g}) treated as missing",
            )
        )
        arr[bad] = np.nan
    depth = arrays["depth_m"]
    missing = ~np.isfinite(depth)
    if missing.all():
        depth[:] = 0.0
        steps.append(CleaningStep("depth_missing", "depth_m", n, "no depth at all; set to 0"))
    elif missing.any():
        depth[missing] = np.interp(t[missing], t[~missing], depth[~missing])
        steps.append(
            CleaningStep(
                "depth_missing", "depth_m", int(np.count_nonzero(missing)), "interpolated in time"
            )
        )
    arrays["depth_m"] = _remove_spikes(t, depth, config, steps)
    flow = arrays["flow_l_min"]
    neg = flow < 0
    if neg.any():
        steps.append(
            CleaningStep(
                "flow_negative",
                "flow_l_min",
                int(np.count_nonzero(neg)),
                f"negative flow (min {flow[neg].min():g} L/min) set to 0",
            )
        )
        flow[neg] = 0.0
    nan_flow = ~np.isfinite(flow)
    if nan_flow.any():
        steps.append(
            CleaningStep(
                "flow_missing",
                "flow_l_min",
                int(np.count_nonzero(nan_flow)),
                "missing flow counted as no flow",
            )
        )
        flow[nan_flow] = 0.0
    rpm_missing = int(np.count_nonzero(np.isnan(arrays["rpm"])))
    if rpm_missing:
        detail = (
            "no rotation channel: blade passes and mixing count unknown"
            if rpm_missing == n
            else "missing rotation counted as none"
        )
        steps.append(CleaningStep("rpm_missing", "rpm", rpm_missing, detail))
    for name in config.stuck_channels:
        _null_stuck(name, arrays, config, steps)
    _report_gaps(t, arrays["depth_m"], config.gap_s, steps)
    for name, design, default, unit in (
        ("density_kg_l", design_density_kg_l, config.default_density_kg_l, " kg/L"),
        ("wc", design_wc, config.default_wc, ""),
    ):
        arr = arrays[name]
        absent = ~np.isfinite(arr)
        count = int(np.count_nonzero(absent))
        if count:
            value = design if design is not None else default
            source = "mix design" if design is not None else "default (no mix design given)"
            kind = "density_default" if name == "density_kg_l" else "wc_default"
            steps.append(
                CleaningStep(kind, name, count, f"missing; {source} value {value:g}{unit} used")
            )
            arr[absent] = value
    return CleanedSeries(series.with_channels(**arrays), steps)


def _report_counter_resets(series: PileSeries, steps: list[CleaningStep]) -> None:
    if len(series) < 2:
        return
    boot_change = (series.boot[1:] - series.boot[:-1]) != 0
    seq_back = (~boot_change) & ((series.seq[1:] - series.seq[:-1]) < 0)
    for kind_mask, what in (
        (boot_change, "logger restarted (new boot)"),
        (seq_back, "seq fell back within one boot"),
    ):
        count = int(np.count_nonzero(kind_mask))
        if count:
            where = ", ".join(f"{x:.1f} s" for x in series.t_s[1:][kind_mask][:5])
            steps.append(CleaningStep("counter_reset", "seq", count, f"{what} at {where}"))


def _remove_spikes(
    t: FloatArray, depth: FloatArray, config: CleaningConfig, steps: list[CleaningStep]
) -> FloatArray:
    n = depth.shape[0]
    if n < config.spike_window:
        return depth
    # Fast path: a spike needs at least one jump between neighbours faster than a rig moves.
    jump = np.abs(depth[1:] - depth[:-1])
    reach = config.max_depth_rate_m_min / 60.0 * (t[1:] - t[:-1]) + config.spike_margin_m
    if not (jump > reach).any():
        return depth
    med = median_filter(depth, size=config.spike_window, mode="nearest")
    h = config.spike_window // 2
    idx = np.arange(n)
    span_s = t[np.minimum(idx + h, n - 1)] - t[np.maximum(idx - h, 0)]
    tolerance = config.max_depth_rate_m_min / 60.0 * span_s / 2.0 + config.spike_margin_m
    deviation = np.abs(depth - med)
    spike = deviation > tolerance
    count = int(np.count_nonzero(spike))
    if count == 0 or count == n:
        return depth
    out = depth.copy()
    out[spike] = np.interp(t[spike], t[~spike], depth[~spike])
    steps.append(
        CleaningStep(
            "spike",
            "depth_m",
            count,
            f"depth jumps a rig cannot make (largest {deviation.max():.2f} m) "
            "replaced by interpolation",
        )
    )
    return out


def runs(mask: BoolArray) -> tuple[np.ndarray, np.ndarray]:
    """Start and end (exclusive) indices of the runs of True in ``mask``."""
    if not mask.any():
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    padded = np.concatenate([[False], mask, [False]]).astype(np.int8)
    edges = padded[1:] - padded[:-1]
    return np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)


def _null_stuck(
    name: str, arrays: dict[str, FloatArray], config: CleaningConfig, steps: list[CleaningStep]
) -> None:
    arr = arrays[name]
    n = arr.shape[0]
    if n < config.stuck_min_samples:
        return
    same = np.zeros(n, dtype=bool)
    same[1:] = (arr[1:] == arr[:-1]) & np.isfinite(arr[1:])
    # A run of equal values is sample k-1 plus the following samples marked ``same``.
    starts, ends = runs(same)
    starts = starts - 1
    long = (ends - starts) >= config.stuck_min_samples
    if not long.any():
        return
    depth = arrays["depth_m"]
    starts, ends = starts[long], ends[long]
    # Few runs are long enough, so looping over them (not over samples) is cheap.
    moved = np.array([np.ptp(depth[s:e]) for s, e in zip(starts, ends, strict=True)])
    stuck_runs = moved >= config.stuck_min_depth_move_m
    if not stuck_runs.any():
        return
    count = 0
    for s, e in zip(starts[stuck_runs], ends[stuck_runs], strict=True):
        count += int(e - s)
        arr[s:e] = np.nan
    steps.append(
        CleaningStep(
            "stuck",
            name,
            count,
            f"{int(np.count_nonzero(stuck_runs))} run(s) of ≥ "
            f"{config.stuck_min_samples} identical readings while the tool "
            "moved; treated as missing",
        )
    )


def _report_gaps(t: FloatArray, depth: FloatArray, gap_s: float, steps: list[CleaningStep]) -> None:
    if t.shape[0] < 2:
        return
    dt = t[1:] - t[:-1]
    gap = dt > gap_s
    count = int(np.count_nonzero(gap))
    if count:
        where = ", ".join(
            f"{a:.2f}–{b:.2f} m ({d:.0f} s)"
            for a, b, d in zip(depth[:-1][gap][:5], depth[1:][gap][:5], dt[gap][:5], strict=True)
        )
        steps.append(
            CleaningStep(
                "gap",
                "t",
                count,
                f"{dt[gap].sum():.0f} s without samples (> {gap_s:g} s): {where};"
                " no flow integrated across",
            )
        )
