"""Which depth bins the tool has just finished with, so alarms can be raised within seconds.

Rule (kept simple): a bin is *closed for a stroke* once the tool has left it on that stroke.
The current stroke is found from the end of the series: walking back from the latest
sample, it starts at the turning point after which the depth never moved back against the
stroke by ``reversal_m`` or more. On penetration from turning depth d0 to the current depth
d, the bins whose bottom lies in (d0, d − margin] are closed; on withdrawal, the bins whose
top lies in [d + margin, d0). ``margin_m`` keeps sensor noise at a border from closing a bin
the tool is still in.

Bins are the fixed grid k · bin_m (k = 0, 1, …); the final profile uses the same grid but
for its last bin, which ends at the depth reached (see ``analytics.binning``).

``previous_closed`` holds the bins already returned *for the current stroke*; a caller keeps
one set per ``current_stroke(...)`` value and starts a new empty set when it changes. The bins
a stroke closes have received all the slurry that stroke gives them, so a caller can compare
them with the share of design that the strokes so far should have given (e.g. with
``checks.check_bin_cement(profile, design, limits, only=bins)`` once the spraying strokes
are done, or against ``AcceptanceLimits.stroke_min_fraction`` on each stroke).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from analytics.series import FloatArray, PileSeries


class LiveError(ValueError):
    def __init__(self, name: str, value: object, reason: str) -> None:
        self.name = name
        self.value = value
        super().__init__(f"{name} = {value!r}: {reason}")


@dataclass(frozen=True, slots=True)
class Stroke:
    direction: int  # +1 penetration, -1 withdrawal, 0 not moved yet
    start_index: int  # sample of the turning point that began the stroke
    start_depth_m: float
    depth_m: float  # latest depth


def current_stroke(depth_m: FloatArray, reversal_m: float = 0.10) -> Stroke:
    n = depth_m.shape[0]
    if n == 0:
        return Stroke(0, 0, 0.0, 0.0)
    rev = depth_m[::-1]
    now = float(depth_m[-1])
    far = np.flatnonzero(np.abs(rev - now) >= reversal_m)
    if far.shape[0] == 0:
        return Stroke(0, 0, float(depth_m[0]), now)
    direction = 1 if rev[far[0]] < now else -1
    # Walking back along a penetration the depth falls; the stroke began at its lowest point
    # before the depth rose again by reversal_m (mirror image for withdrawal).
    signed = rev * direction
    running_min = np.minimum.accumulate(signed)
    back = np.flatnonzero(signed - running_min >= reversal_m)
    end = int(back[0]) if back.shape[0] else n
    k = int(np.argmin(signed[:end]))
    start = n - 1 - k
    return Stroke(direction, start, float(depth_m[start]), now)


def closed_bins(
    series: PileSeries,
    bin_m: float,
    previous_closed: set[int],
    *,
    margin_m: float = 0.05,
    reversal_m: float = 0.10,
) -> list[int]:
    """Bins closed on the current stroke and not in ``previous_closed``, from the top down."""
    if not bin_m > 0:
        raise LiveError("bin_m", bin_m, "must be > 0")
    if margin_m < 0 or reversal_m <= 0:
        raise LiveError("margin_m, reversal_m", (margin_m, reversal_m), "need ≥ 0 and > 0")
    stroke = current_stroke(series.depth_m, reversal_m)
    if stroke.direction == 0:
        return []
    d0, d = stroke.start_depth_m, stroke.depth_m
    if stroke.direction > 0:
        # bottoms k·b + b in (max(d0, 0), d − margin]
        lo = max(d0, 0.0)
        first = math.floor(lo / bin_m + 1e-9)  # bin holding d0: its bottom > d0
        last = math.floor((d - margin_m) / bin_m + 1e-9) - 1
    else:
        # tops k·b in [d + margin, d0)
        first = max(math.ceil((d + margin_m) / bin_m - 1e-9), 0)
        last = math.ceil(d0 / bin_m - 1e-9) - 1
    return [k for k in range(first, last + 1) if k not in previous_closed]


def interruption_held_bins(
    series: PileSeries,
    bin_m: float,
    *,
    spray_min_flow_l_min: float = 1.0,
    overlap_m: float = 0.5,
    top_m: float = 0.3,
    bottom_band_m: float = 0.10,
) -> set[int]:
    """Bins a still-open slurry interruption may yet make good: not final for a live check.

    The slurry stopped mid-stroke at depth d_s (flow on, then off, as in
    ``sample_checks.check_interruptions``) and the tool has not yet passed d_s again with
    flow on. The operator is expected to go back at least ``overlap_m`` into treated soil
    and spray over the stop, so the bins from d_s + ``overlap_m`` up (withdrawal; mirror
    image on penetration) are held until then. A stop at the end of a stroke (above
    ``top_m``, or within ``bottom_band_m`` of the deepest depth)
    (either way: a stop while standing still there has no direction) is no interruption.
    If the tool resumes without going back, the hold ends at once and
    the bins are judged on what they got.
    """
    n = len(series)
    if n < 2:
        return set()
    d = series.depth_m
    on = series.flow_l_min >= spray_min_flow_l_min
    stops = np.flatnonzero(on[:-1] & ~on[1:])
    if stops.shape[0] == 0:
        return set()
    s = int(stops[-1])
    ds = float(d[s])
    before = d[max(0, s - 10) : s + 1]
    direction = -1 if float(before[0]) > ds else 1
    if ds <= top_m or ds >= float(d.max()) - bottom_band_m:
        return set()  # the end of a spraying stroke
    after = slice(s + 1, n)
    past = d[after] <= ds if direction < 0 else d[after] >= ds
    if bool((on[after] & past).any()):
        return set()  # resumed over the stop: the interruption is over
    if direction < 0:
        first = max(math.floor((ds + overlap_m) / bin_m + 1e-9), 0)
        return set(range(0, first + 1))
    last = math.floor(max(ds - overlap_m, 0.0) / bin_m + 1e-9)
    deepest = math.floor(float(d.max()) / bin_m + 1e-9)
    return set(range(last, deepest + 1))
