import numpy as np

from analytics.binning import depth_profile
from analytics.checks import check_bin_cement
from analytics.limits import SINGLE_DOUBLE_AXIS
from analytics.live import closed_bins, current_stroke
from tests.analytics.synth import build, move


def test_penetration_closes_bins_behind_the_tool() -> None:
    s = build([move(2.3, 1.0, 0.0)])
    # bottoms 0.5, 1.0, 1.5, 2.0 are ≤ 2.3 − 0.05 → bins 0…3
    assert closed_bins(s, 0.5, set()) == [0, 1, 2, 3]
    assert closed_bins(s, 0.5, {0, 1}) == [2, 3]
    # at 2.02 m the tool is within the margin of 2.0: bin 3 not yet closed
    s2 = build([move(2.02, 1.0, 0.0)], dt=0.2)
    assert closed_bins(s2, 0.5, set()) == [0, 1, 2]


def test_withdrawal_closes_bins_above_the_turn() -> None:
    s = build([move(3.0, 1.0, 0.0), move(1.7, 0.5, 3.0)])
    stroke = current_stroke(s.depth_m)
    assert stroke.direction == -1
    assert stroke.start_depth_m == 3.0
    # tops 2.0 and 2.5 lie in [1.7 + 0.05, 3.0) → bins 4 and 5
    assert closed_bins(s, 0.5, set()) == [4, 5]


def test_noise_does_not_start_a_new_stroke() -> None:
    s = build([move(3.0, 1.0, 0.0)])
    d = s.depth_m.copy()
    d[-3:] = d[-3:] - np.array([0.0, 0.03, 0.0])  # 3 cm jitter, less than reversal_m
    assert current_stroke(d).direction == 1
    assert current_stroke(np.zeros(4)).direction == 0


def test_closed_bins_feed_a_live_cement_check() -> None:
    # spraying 30 L/min at 1 m/min with 1 kg cement per litre: 30 kg/m on the way down, but
    # the pump fails from 1.0 m: bin 2 (1.0–1.5) closes with 0 kg/m, a critical alert at
    # once, while bins 0 and 1 are fine against a per-stroke design share of 27.5 kg/m
    s = build([move(1.0, 1.0, 0.0, 30.0), move(1.6, 1.0, 1.0, 0.0)], density_kg_l=1.2, wc=0.2)
    bins = closed_bins(s, 0.5, set())
    assert bins == [0, 1, 2]
    grid = np.arange(0, 5) * 0.5
    prof = depth_profile(s, 0.5, edges_m=grid)
    found = check_bin_cement(prof, 27.5, SINGLE_DOUBLE_AXIS, only=bins)
    assert [(f.depth_top_m, f.severity) for f in found] == [(1.0, "critical")]
