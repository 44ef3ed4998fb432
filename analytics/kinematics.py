"""Tool movement derived from depth: vertical speed and stroke direction.

Depth is positive downward, so a positive speed is penetration and a negative one withdrawal.
"""

from __future__ import annotations

import numpy as np

from analytics.series import FloatArray, IntArray

DEFAULT_SPEED_WINDOW_S = 10.0


def vertical_speed_m_min(
    t_s: FloatArray, depth_m: FloatArray, window_s: float = DEFAULT_SPEED_WINDOW_S
) -> FloatArray:
    """Speed at each sample (m/min, + down) as the depth change over a centred time window.

    Depth is linearly interpolated at t ± window/2 (the window is cut at the ends of the
    series), so irregular sampling is handled and centimetre steps of a depth encoder at
    1 Hz do not show up as speed spikes. ``window_s`` ≤ 0 uses the neighbouring samples.
    """
    n = t_s.shape[0]
    if n < 2:
        return np.zeros(n)
    if window_s <= 0:
        return _neighbour_speed(t_s, depth_m)
    half = window_s / 2.0
    t_lo = np.maximum(t_s - half, t_s[0])
    t_hi = np.minimum(t_s + half, t_s[-1])
    d_lo = np.interp(t_lo, t_s, depth_m)
    d_hi = np.interp(t_hi, t_s, depth_m)
    span = t_hi - t_lo
    with np.errstate(divide="ignore", invalid="ignore"):
        speed = np.where(span > 0, (d_hi - d_lo) / span * 60.0, 0.0)
    return speed


def _neighbour_speed(t_s: FloatArray, depth_m: FloatArray) -> FloatArray:
    dt = t_s[1:] - t_s[:-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        v = np.where(dt > 0, (depth_m[1:] - depth_m[:-1]) / dt * 60.0, 0.0)
    out = np.empty(t_s.shape[0])
    out[0] = v[0]
    out[-1] = v[-1]
    out[1:-1] = (v[:-1] + v[1:]) / 2.0
    return out


def interval_direction(depth_m: FloatArray) -> IntArray:
    """Direction of each sample interval: +1 penetration, -1 withdrawal.

    An interval without depth change inherits the direction of the last moving interval
    (a dwell at the bottom after penetration counts as penetration); intervals before the
    first movement take the direction of that first movement (+1 if the tool never moves).
    """
    if depth_m.shape[0] < 2:
        return np.zeros(0, dtype=np.int64)
    sign = np.sign(depth_m[1:] - depth_m[:-1]).astype(np.int64)
    return fill_still(sign)


def fill_still(sign: IntArray) -> IntArray:
    """Replace zeros in a ±1/0 step-sign array as ``interval_direction`` describes."""
    m = sign.shape[0]
    moving = sign != 0
    if not moving.any():
        return np.ones(m, dtype=np.int64)
    idx = np.where(moving, np.arange(m), -1)
    np.maximum.accumulate(idx, out=idx)
    first = int(np.argmax(moving))
    idx[idx < 0] = first
    return sign[idx]


def sample_direction(depth_m: FloatArray) -> IntArray:
    """Direction at each sample: that of the interval ending at it (the first sample takes
    the first interval's)."""
    d = interval_direction(depth_m)
    if d.shape[0] == 0:
        return np.ones(depth_m.shape[0], dtype=np.int64)
    return np.concatenate([d[:1], d])
