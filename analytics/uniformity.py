"""Uniformity of cement along a pile (domain §3), over the bins of its treated length.

CV uses the *sample* standard deviation (ddof = 1): the bins are a sample of a continuous
dosage profile, and ddof = 1 is what spreadsheet STDEV and QA reports use, so a supervisor
can reproduce the figure by hand. With fewer than two bins CV is undefined (None).
DU (low quarter) averages the lowest ceil(n / 4) bins.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike


class UniformityError(ValueError):
    def __init__(self, name: str, value: object, reason: str) -> None:
        self.name = name
        self.value = value
        super().__init__(f"{name} = {value!r}: {reason}")


@dataclass(frozen=True, slots=True)
class Uniformity:
    n: int
    mean_kg_m: float | None
    cv: float | None
    cu: float | None
    du_lq: float | None
    min_ratio: float | None
    share_at_design: float | None
    share_at_75pct_design: float | None


def uniformity(cement_kg_m: ArrayLike, design_kg_m: float | None = None) -> Uniformity:
    x = np.asarray(cement_kg_m, dtype=np.float64)
    if x.ndim != 1:
        raise UniformityError("cement_kg_m", x.shape, "must be one-dimensional")
    if not np.all(np.isfinite(x)):
        raise UniformityError("cement_kg_m", x[~np.isfinite(x)][:5].tolist(), "must be finite")
    if design_kg_m is not None and not design_kg_m > 0:
        raise UniformityError("design_kg_m", design_kg_m, "must be > 0")
    n = int(x.shape[0])
    if n == 0:
        return Uniformity(0, None, None, None, None, None, None, None)
    mean = float(x.mean())
    cv = cu = du = None
    if mean > 0:
        cv = float(x.std(ddof=1) / mean) if n >= 2 else None
        cu = float(1.0 - np.abs(x - mean).sum() / (n * mean))
        low = np.sort(x)[: math.ceil(n / 4)]
        du = float(low.mean() / mean)
    min_ratio = share = share75 = None
    if design_kg_m is not None:
        min_ratio = float(x.min() / design_kg_m)
        share = float(np.count_nonzero(x >= design_kg_m) / n)
        share75 = float(np.count_nonzero(x >= 0.75 * design_kg_m) / n)
    return Uniformity(n, mean, cv, cu, du, min_ratio, share, share75)
