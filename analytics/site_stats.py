"""Site statistics over many piles: distributions, control charts, trends, rig comparison.

* Shewhart individuals chart: centre = mean, σ estimated from the average moving range
  (MR̄ / 1.128, d2 for n = 2), limits centre ± k·σ (k = 3).
* EWMA chart: z_t = λ x_t + (1 − λ) z_{t−1}, z_0 = centre; limits
  centre ± L σ √(λ / (2 − λ) · (1 − (1 − λ)^{2t})), defaults λ = 0.2, L = 3.
* Uniformity trend: mean CV and mean CU of two periods; the changes are relative, in % of
  the earlier period (a 15% improvement is cv_change_pct = −15 or cu_change_pct = +15).
* Rig comparison: two-sided Mann–Whitney U (scipy.stats.mannwhitneyu).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy.signal import lfilter
from scipy.stats import mannwhitneyu

from analytics.series import BoolArray, FloatArray, IntArray

DEFAULT_PERCENTILES = (5.0, 25.0, 50.0, 75.0, 95.0)


class SiteStatsError(ValueError):
    def __init__(self, name: str, value: object, reason: str) -> None:
        self.name = name
        self.value = value
        super().__init__(f"{name} = {value!r}: {reason}")


def _clean(name: str, values: ArrayLike) -> FloatArray:
    x = np.asarray(values, dtype=np.float64)
    if x.ndim != 1:
        raise SiteStatsError(name, x.shape, "must be one-dimensional")
    return x[np.isfinite(x)]


@dataclass(frozen=True, slots=True)
class Distribution:
    piles: int
    percentiles: tuple[float, ...]
    cement_kg_m: tuple[float, ...]
    cv: tuple[float, ...]
    cu: tuple[float, ...]
    pass_rate: float | None


def distribution(
    cement_kg_m: ArrayLike,
    cv: ArrayLike,
    cu: ArrayLike,
    passed: ArrayLike,
    percentiles: Sequence[float] = DEFAULT_PERCENTILES,
) -> Distribution:
    """Percentiles of per-pile cement per metre, CV and CU; share of piles that passed
    (``passed``: True/False, None or NaN for piles without a verdict)."""
    q = tuple(float(p) for p in percentiles)
    if any(not 0 <= p <= 100 for p in q):
        raise SiteStatsError("percentiles", q, "must lie in 0…100")

    def pct(name: str, values: ArrayLike) -> tuple[float, ...]:
        x = _clean(name, values)
        if x.shape[0] == 0:
            return tuple(float("nan") for _ in q)
        return tuple(float(v) for v in np.percentile(x, q))

    verdicts = np.asarray(
        [np.nan if p is None else float(p) for p in np.asarray(passed, dtype=object)]
    )
    known = verdicts[np.isfinite(verdicts)]
    c = _clean("cement_kg_m", cement_kg_m)
    return Distribution(
        piles=int(np.asarray(cement_kg_m).shape[0]),
        percentiles=q,
        cement_kg_m=pct("cement_kg_m", c),
        cv=pct("cv", cv),
        cu=pct("cu", cu),
        pass_rate=float(known.mean()) if known.shape[0] else None,
    )


def distributions_by_group(
    groups: Sequence[str],
    cement_kg_m: ArrayLike,
    cv: ArrayLike,
    cu: ArrayLike,
    passed: ArrayLike,
    percentiles: Sequence[float] = DEFAULT_PERCENTILES,
) -> dict[str, Distribution]:
    """``distribution`` per group label (rig, pile type, week…); arrays aligned with groups."""
    g = np.asarray(groups, dtype=object)
    arrays = [np.asarray(a, dtype=object) for a in (cement_kg_m, cv, cu, passed)]
    for name, a in zip(("cement_kg_m", "cv", "cu", "passed"), arrays, strict=True):
        if a.shape != g.shape:
            raise SiteStatsError(name, a.shape, f"length differs from groups {g.shape}")
    out: dict[str, Distribution] = {}
    for label in sorted(set(g.tolist())):
        m = g == label
        out[str(label)] = distribution(
            arrays[0][m].astype(np.float64),
            arrays[1][m].astype(np.float64),
            arrays[2][m].astype(np.float64),
            arrays[3][m],
            percentiles,
        )
    return out


@dataclass(frozen=True, slots=True)
class ControlChart:
    centre: float
    sigma: float
    ucl: FloatArray  # one entry per point (constant for Shewhart)
    lcl: FloatArray
    statistic: FloatArray  # the plotted value: x itself (Shewhart) or z (EWMA)
    out_of_control: IntArray  # indices of points beyond the limits
    above: BoolArray


def _sigma_moving_range(x: FloatArray) -> float:
    if x.shape[0] < 2:
        raise SiteStatsError("values", x.tolist(), "need at least two points to estimate σ")
    return float(np.mean(np.abs(np.diff(x))) / 1.128)


def shewhart(
    values: ArrayLike, centre: float | None = None, sigma: float | None = None, k: float = 3.0
) -> ControlChart:
    x = _clean("values", values)
    c = float(x.mean()) if centre is None else centre
    s = _sigma_moving_range(x) if sigma is None else sigma
    ucl = np.full(x.shape[0], c + k * s)
    lcl = np.full(x.shape[0], c - k * s)
    out = (x > ucl) | (x < lcl)
    return ControlChart(c, s, ucl, lcl, x, np.flatnonzero(out).astype(np.int64), x > ucl)


def ewma(
    values: ArrayLike,
    lam: float = 0.2,
    big_l: float = 3.0,
    centre: float | None = None,
    sigma: float | None = None,
) -> ControlChart:
    if not 0 < lam <= 1:
        raise SiteStatsError("lam", lam, "must be in (0, 1]")
    x = _clean("values", values)
    c = float(x.mean()) if centre is None else centre
    s = _sigma_moving_range(x) if sigma is None else sigma
    z, _ = lfilter([lam], [1.0, -(1.0 - lam)], x, zi=[(1.0 - lam) * c])
    t = np.arange(1, x.shape[0] + 1)
    width = big_l * s * np.sqrt(lam / (2.0 - lam) * (1.0 - (1.0 - lam) ** (2 * t)))
    ucl, lcl = c + width, c - width
    out = (z > ucl) | (z < lcl)
    return ControlChart(c, s, ucl, lcl, z, np.flatnonzero(out).astype(np.int64), z > ucl)


@dataclass(frozen=True, slots=True)
class UniformityTrend:
    mean_cv_before: float
    mean_cv_after: float
    cv_change_pct: float
    mean_cu_before: float
    mean_cu_after: float
    cu_change_pct: float
    conclusion: str


def uniformity_trend(
    cv_before: ArrayLike, cv_after: ArrayLike, cu_before: ArrayLike, cu_after: ArrayLike
) -> UniformityTrend:
    parts = [
        _clean(n, v)
        for n, v in (
            ("cv_before", cv_before),
            ("cv_after", cv_after),
            ("cu_before", cu_before),
            ("cu_after", cu_after),
        )
    ]
    for name, x in zip(("cv_before", "cv_after", "cu_before", "cu_after"), parts, strict=True):
        if x.shape[0] == 0:
            raise SiteStatsError(name, [], "needs at least one pile")
    cvb, cva, cub, cua = (float(x.mean()) for x in parts)
    if cvb <= 0 or cub <= 0:
        raise SiteStatsError("mean of the earlier period", (cvb, cub), "must be > 0")
    dcv = (cva - cvb) / cvb * 100.0
    dcu = (cua - cub) / cub * 100.0
    word = "more uniform" if dcv < 0 else "less uniform" if dcv > 0 else "unchanged"
    return UniformityTrend(
        cvb,
        cva,
        dcv,
        cub,
        cua,
        dcu,
        f"mean CV {cvb:.3f} → {cva:.3f} ({dcv:+.1f}%), mean CU {cub:.3f} → "
        f"{cua:.3f} ({dcu:+.1f}%): {word}",
    )


@dataclass(frozen=True, slots=True)
class RigComparison:
    statistic: float
    p_value: float
    n_a: int
    n_b: int
    median_a: float
    median_b: float
    conclusion: str


def compare_rigs(
    a: ArrayLike,
    b: ArrayLike,
    alpha: float = 0.05,
    label_a: str = "rig A",
    label_b: str = "rig B",
    quantity: str = "cement per metre",
) -> RigComparison:
    xa, xb = _clean("a", a), _clean("b", b)
    if xa.shape[0] < 1 or xb.shape[0] < 1:
        raise SiteStatsError("a, b", (xa.shape[0], xb.shape[0]), "each needs at least one pile")
    res = mannwhitneyu(xa, xb, alternative="two-sided")
    stat, p = float(res.statistic), float(res.pvalue)
    ma, mb = float(np.median(xa)), float(np.median(xb))
    if p < alpha:
        higher = label_a if ma > mb else label_b
        text = (
            f"{quantity} differs between {label_a} and {label_b} (p = {p:.3g} < {alpha}); "
            f"{higher} runs higher (medians {ma:.2f} vs {mb:.2f})"
        )
    else:
        text = (
            f"no evidence that {quantity} differs between {label_a} and {label_b} "
            f"(p = {p:.3g} ≥ {alpha})"
        )
    return RigComparison(stat, p, int(xa.shape[0]), int(xb.shape[0]), ma, mb, text)
