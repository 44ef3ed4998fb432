import numpy as np
import pytest

from analytics.binning import DepthProfile, RigGeometry, depth_profile
from analytics.checks import (
    bottom_dwell_s,
    check_bin_cement,
    check_bins_process,
    check_pile_totals,
)
from analytics.limits import SINGLE_DOUBLE_AXIS
from siteplan.csv_format import PlannedPile
from tests.analytics.synth import Leg, build, move

PLAN = PlannedPile("P", 0.0, 0.0, 4.0, 0.5, 55.0, 0.6, 1.5, 4, "4S2P")


def _profile(cement_kg_m: list[float]) -> DepthProfile:
    n = len(cement_kg_m)
    z = np.zeros(n)
    zi = np.zeros(n, dtype=np.int64)
    return DepthProfile(
        np.arange(n + 1) * 0.5,
        np.array(cement_kg_m) * 0.5,
        z,
        z,
        z,
        z,
        z,
        z,
        z,
        z,
        zi,
        zi,
        z,
        z,
        RigGeometry(),
        0.0,
        0.0,
    )


def test_bin_cement_levels_and_message() -> None:
    # design 55: warning below 49.5 (90%), critical below 41.25 (75%), info below 55
    p = _profile([60.0, 52.0, 45.0, 40.0, 55.0, 55.0, 45.0])
    found = check_bin_cement(p, 55.0, SINGLE_DOUBLE_AXIS)
    assert [(f.severity, f.depth_top_m) for f in found] == [
        ("info", 0.5),
        ("warning", 1.0),
        ("critical", 1.5),
        ("warning", 3.0),
    ]
    assert found[3].message == (
        "cement 45.0 kg/m at 3.0–3.5 m is below 90% of design 55.0 kg/m (49.5)"
    )
    assert found[2].limit == pytest.approx(41.25)
    assert [f.depth_top_m for f in check_bin_cement(p, 55.0, SINGLE_DOUBLE_AXIS, only={3})] == [1.5]


def test_stroke_share_check_when_configured() -> None:
    s = build([move(2.0, 0.5, 0.0, 10.0)], density_kg_l=1.2, wc=0.2)  # 20 kg/m down only
    p = depth_profile(s)
    lim = SINGLE_DOUBLE_AXIS.with_(stroke_min_fraction=0.3)  # 16.5 kg/m per stroke
    rules = [f.rule for f in check_bin_cement(p, 55.0, lim)]
    assert rules.count("stroke_cement") == 4  # withdrawal share 0 in every bin
    assert rules.count("bin_cement") == 4


def test_speed_rules_per_bin() -> None:
    # penetration 1.2 m/min (limit 1.0), withdrawal spraying 0.7 (limit 0.5) over 0–3 m
    s = build([move(3.0, 1.2, 0.0, 40.0), move(0.0, 0.7, 3.0, 40.0)], density_kg_l=1.5, wc=0.6)
    found = check_bins_process(depth_profile(s), None, SINGLE_DOUBLE_AXIS, final=False)
    got = {(f.rule, f.depth_top_m, f.depth_bottom_m, round(f.value or 0, 3)) for f in found}
    assert got == {("penetration_speed", 0.0, 3.0, 1.2), ("withdrawal_speed", 0.0, 3.0, 0.7)}
    assert "withdrawal speed while spraying 0.70 m/min at 0.0–3.0 m exceeds 0.50 m/min" in {
        f.message for f in found
    }


def test_process_passes_and_blade_passes() -> None:
    # one spraying stroke down and up: 2 passes, 2 spraying; 4S2P asks 4 passes
    s = build(
        [move(4.0, 1.0, 0.0, 60.0, 10.0), move(0.0, 1.0, 4.0, 60.0, 10.0)], density_kg_l=1.5, wc=0.6
    )
    found = check_bins_process(depth_profile(s), PLAN, SINGLE_DOUBLE_AXIS, final=True)
    rules = {f.rule: f for f in found}
    assert rules["process_passes"].message == (
        "tool passes 2 at 0.0–4.0 m are fewer than process 4S2P asks (4)"
    )
    # 10 rpm at 1 m/min both ways: 20 rev/m → T = 4 · 20 = 80 < 350 and M = 0.4 · 20 = 8 < 20
    assert rules["blade_passes"].value == pytest.approx(80.0)


def test_pile_totals() -> None:
    # reaches 3.5 m of 4.0; 40 L/min · 1 kg/L at 1 m/min = 40 kg/m · 3.5 m = 140 kg < 220;
    # no dwell
    s = build([move(3.5, 1.0, 0.0, 40.0)], density_kg_l=1.2, wc=0.2)
    found = check_pile_totals(s, depth_profile(s), PLAN, SINGLE_DOUBLE_AXIS)
    assert [f.rule for f in found] == ["depth", "total_cement", "bottom_dwell"]
    assert found[1].message == "total cement 140.0 kg is below design 220.0 kg (55.0 kg/m × 4.00 m)"
    dwell = build([move(1.0, 1.0, 0.0), Leg(1.0, 35.0)])
    assert bottom_dwell_s(dwell, 0.1) == pytest.approx(41.0)  # 6 s of the descent + 35 s


def _drop(series, top: float, bottom: float, stroke_down: bool = True):
    """The series without the samples of the first (down) stroke inside [top, bottom]."""
    d = series.depth_m
    turn = int(np.argmax(d))
    idx = np.arange(len(series))
    lost = (d >= top) & (d <= bottom) & ((idx <= turn) if stroke_down else (idx > turn))
    return series.take(np.flatnonzero(~lost))


def _sprayed_twice(flow_up: float = 60.0):
    # 60 L/min down at 1 m/min and up at 1 m/min: 120 L/m · 1.5/1.6 = 112.5 kg/m
    legs = [move(4.0, 1.0, 0.0, 60.0), Leg(4.0, 30.0, 60.0), move(0.0, 1.0, 4.0, flow_up)]
    return build(legs, density_kg_l=1.5, wc=0.6)


def test_data_gap_is_no_data_not_a_cement_deficit() -> None:
    # a logger reboot loses the penetration's samples over 1.6–2.0 m (last sample before it
    # at 1.583 m): the bin 1.5–2.0 m has 0.083 m of its penetration slurry measured,
    # (10 + 60) L/m · 1.5/1.6 = 65.6 kg/m
    s = _drop(_sprayed_twice(), 1.6, 2.0)
    prof = depth_profile(s)
    assert prof.cement_kg_m[3] == pytest.approx(65.625, rel=0.01)
    found = check_bin_cement(prof, 100.0, SINGLE_DOUBLE_AXIS)
    assert [f.rule for f in found] == ["data_gap"]
    (gap,) = found
    assert gap.severity == "info" and (gap.depth_top_m, gap.depth_bottom_m) == (1.5, 2.0)
    assert "not verified" in gap.message and "112.5 kg/m" in gap.message
    # the spraying pass lost with the samples is reported the same way, not as missing
    process = check_bins_process(prof, PLAN, SINGLE_DOUBLE_AXIS, final=True)
    passes = [f for f in process if f.rule in ("process_passes", "data_gap")]
    assert [f.message for f in passes if "spraying" in f.message] == [
        "spraying passes at 1.5–2.0 m not verified: 1 recorded, process 4S2P asks 2; "
        "samples missing at a pass"
    ]


def test_data_gap_does_not_hide_a_deficit_it_cannot_explain() -> None:
    # the withdrawal pumps 10 L/min only: even with flow linear across the gap the bin holds
    # (60 + 10) L/m · 0.9375 ≈ 65.6 kg/m < 90% of 100
    s = _drop(_sprayed_twice(flow_up=10.0), 1.6, 2.0)
    found = check_bin_cement(depth_profile(s), 100.0, SINGLE_DOUBLE_AXIS)
    bins = {(f.depth_top_m, f.rule): f for f in found}
    assert bins[(1.5, "bin_cement")].severity == "critical"
    assert bins[(1.5, "bin_cement")].value == pytest.approx(65.6, rel=0.02)
    assert "data gap" in bins[(1.5, "bin_cement")].message
    assert (1.5, "data_gap") not in bins
