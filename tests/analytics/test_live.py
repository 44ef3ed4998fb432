import numpy as np
import pytest

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


def _withdrawal_with_stop(go_back_to: float | None, flow_after: bool = True):
    from tests.analytics.synth import Leg

    # spray down to 8 m and up to 4.7 m, pump stops, the tool rises dry to 3.7 m
    legs = [move(8.0, 1.0, 0.0, 60.0), move(4.7, 0.5, 8.0, 60.0), move(3.7, 0.5, 4.7, 0.0)]
    if go_back_to is not None:
        legs.append(move(go_back_to, 1.0, 3.7, 0.0))
        legs.append(Leg(go_back_to, 1.0, 60.0))
        if flow_after:
            legs.append(move(0.0, 0.5, go_back_to, 60.0))
    return build(legs, density_kg_l=1.5, wc=0.6)


def test_open_interruption_holds_the_bins_it_may_yet_cover() -> None:
    from analytics.live import interruption_held_bins

    # stopped at 4.7 m on withdrawal, not yet back: bins down to 4.7 + 0.5 m are held
    held = interruption_held_bins(_withdrawal_with_stop(None), 0.5)
    assert held == set(range(0, 11))  # bins 0.0–0.5 … 5.0–5.5 m
    # gone back to 5.3 m and spraying up again, not yet past 4.7 m: still held
    s = _withdrawal_with_stop(5.3)
    assert interruption_held_bins(s, 0.5) == set()  # resumed past the stop: over
    partial = s.take(np.arange(int(np.flatnonzero(s.depth_m >= 5.29)[-1]) + 1))
    assert 9 in interruption_held_bins(partial, 0.5)
    # resumed spraying where the tool was (a gap, no going back): no hold, bins are judged
    gap = build([move(8.0, 1.0, 0.0, 60.0), move(4.7, 0.5, 8.0, 60.0), move(3.7, 0.5, 4.7, 0.0),
                 move(0.0, 0.5, 3.7, 60.0)])  # fmt: skip
    assert interruption_held_bins(gap, 0.5) == set()
    # flow stopping at the top (end of the spraying stroke) is no interruption
    end = build([move(8.0, 1.0, 0.0, 60.0), move(0.2, 0.5, 8.0, 60.0), move(0.0, 1.0, 0.2, 0.0)])
    assert interruption_held_bins(end, 0.5) == set()


def test_live_bin_4_5_to_5_is_not_checked_during_a_covered_interruption() -> None:
    # the bin holding the stop (4.5–5.0 m) got only 5.0 → 4.7 m of the withdrawal's slurry
    # when the tool left it dry: short at that moment, made good by going back 0.6 m
    from analytics.live import interruption_held_bins

    s = _withdrawal_with_stop(None)
    prof = depth_profile(s, 0.5)
    # 60 L/min at 0.5 m/min = 120 L/m over 0.3 m of 0.5 m plus the penetration's 60 L/m:
    # 132 L/m · 1.5/1.6 ≈ 124 kg/m, short of 170 kg/m (what the premature live check saw)
    (short,) = check_bin_cement(prof, 170.0, SINGLE_DOUBLE_AXIS, only=[9])
    assert short.rule == "bin_cement" and short.value == pytest.approx(123.75, rel=0.02)
    assert 9 in interruption_held_bins(s, 0.5)
    done = _withdrawal_with_stop(5.3)
    assert not check_bin_cement(depth_profile(done, 0.5), 170.0, SINGLE_DOUBLE_AXIS, only=[9])
