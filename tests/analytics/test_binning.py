import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analytics.binning import (
    BinningConfig,
    BinningError,
    RigGeometry,
    bin_edges,
    depth_profile,
)
from analytics.series import PileSeries
from tests.analytics.synth import Leg, build, move


def _down_up(flow_down: float, flow_up: float, blades: int = 6) -> np.ndarray:
    legs = [move(5.0, 1.0, 0.0, flow_down, 30.0), move(0.0, 0.8, 5.0, flow_up, 30.0)]
    s = build(legs, density_kg_l=1.5, wc=0.5)
    return depth_profile(s, 0.5, RigGeometry(blades=blades)).blade_passes_per_m


def test_blade_passes_from_telemetry_match_the_worked_example() -> None:
    # every bin is crossed once down at 30 rpm, 1.0 m/min (30 rev/m) and once up at 0.8 m/min
    # (37.5 rev/m): with 6 blades 405; the bottom bin sees the same (no dwell)
    assert np.allclose(_down_up(40.0, 40.0), 405.0)
    # no slurry on the way down: those revolutions count 0 → 225
    assert np.allclose(_down_up(0.0, 40.0), 225.0)


def test_mixing_count_from_telemetry() -> None:
    s = build([move(4.0, 0.8, 0.0, 40.0, 50.0)], density_kg_l=1.5, wc=0.5)
    p = depth_profile(s, 0.5, RigGeometry(0.10, 0.0, 4))
    assert np.allclose(p.mixing_count, 25.0)


def test_constant_flow_constant_speed() -> None:
    # 40 L/min at 0.5 m/min → 80 L per metre; 80 L · 1.5 kg/L / (1 + 0.5) = 80 kg/m
    s = build([move(5.0, 0.5, 0.0, 40.0, 50.0)], density_kg_l=1.5, wc=0.5)
    p = depth_profile(s, 0.5)
    assert p.bin_count == 10
    assert np.allclose(p.slurry_l_m, 80.0)
    assert np.allclose(p.cement_kg_m, 80.0)
    assert np.allclose(p.cement_down_kg_m, 80.0)
    assert np.allclose(p.cement_up_kg_m, 0.0)
    assert p.passes.tolist() == [1] * 10
    assert p.spraying_passes.tolist() == [1] * 10
    assert np.allclose(p.max_penetration_m_min, 0.5)
    bins = p.bins()
    assert (bins[3].top_m, bins[3].bottom_m) == (1.5, 2.0)


def test_flow_drop_over_a_known_interval() -> None:
    # 60 L/min at 1 m/min; ρ 1.2 and w/c 0.2 make 1 kg cement per litre → 60 kg/m.
    # The pump stops from 2.25 m to 2.5 m: bin 2.0–2.5 gets 60 L/min · 0.25 min = 15 L
    # over 0.5 m → 30 kg/m. Then no flow 2.5–3.0 m → 0.
    legs = [
        move(2.25, 1.0, 0.0, 60.0),
        move(3.0, 1.0, 2.25, 0.0),
        move(4.0, 1.0, 3.0, 60.0),
    ]
    p = depth_profile(build(legs, density_kg_l=1.2, wc=0.2), 0.5)
    assert np.allclose(p.cement_kg_m, [60, 60, 60, 60, 30, 0, 60, 60])
    assert p.spraying_passes.tolist() == [1, 1, 1, 1, 1, 0, 1, 1]


def test_irregular_sampling_is_exact_for_linear_motion() -> None:
    # tool 0 → 2 m at 1 m/min over 120 s, samples at hand-picked irregular times;
    # 40 L/min, 1 kg cement per litre → 40 kg/m in each 0.5 m bin whatever the sampling
    t = np.array([0.0, 0.3, 2.9, 3.0, 7.7, 29.0, 31.5, 44.4, 61.0, 89.9, 90.1, 113.0, 120.0])
    s = PileSeries.from_arrays(t, t / 60.0, np.full(t.size, 40.0), density_kg_l=1.2, wc=0.2)
    p = depth_profile(s, 0.5, config=BinningConfig(gap_s=30.0))
    assert np.allclose(p.cement_kg_m, 40.0)


def test_gap_integrates_no_flow() -> None:
    # samples every second except 60 s → 90 s (tool 1.0 → 1.5 m): that bin gets nothing
    t = np.r_[np.arange(0.0, 61.0), np.arange(90.0, 121.0)]
    s = PileSeries.from_arrays(t, t / 60.0, np.full(t.size, 40.0), density_kg_l=1.2, wc=0.2)
    p = depth_profile(s, 0.5)
    assert np.allclose(p.cement_kg_m, [40, 40, 0, 40])
    assert p.passes.tolist() == [1, 1, 1, 1]  # the tool did pass through


def test_bottom_dwell_goes_to_the_bottom_bin() -> None:
    # 30 L/min down to 2 m at 1 m/min: 15 L per 0.5 m bin; then 60 s at 2.0 m: +30 L into
    # bin 1.5–2.0 → 45 L / 0.5 m = 90 L/m
    legs = [move(2.0, 1.0, 0.0, 30.0), Leg(2.0, 60.0, 30.0)]
    p = depth_profile(build(legs, density_kg_l=1.2, wc=0.2), 0.5)
    assert np.allclose(p.slurry_l_m, [30, 30, 30, 90])


def test_flow_above_the_platform_is_outside_the_pile() -> None:
    legs = [Leg(0.0, 60.0, 20.0), move(1.0, 1.0, 0.0, 20.0)]
    p = depth_profile(build(legs, start_m=0.0, density_kg_l=1.2, wc=0.2), 0.5)
    assert p.cement_outside_kg == pytest.approx(20.0)  # 20 L/min for one minute at 0 m
    assert p.cement_total_kg == pytest.approx(20.0)  # 20 L over the metre


def test_bin_edges() -> None:
    assert bin_edges(2.0, 0.5).tolist() == [0.0, 0.5, 1.0, 1.5, 2.0]
    assert bin_edges(2.2, 0.5).tolist() == [0.0, 0.5, 1.0, 1.5, 2.2]  # 0.2 < 0.25: merged
    assert bin_edges(2.3, 0.5).tolist() == [0.0, 0.5, 1.0, 1.5, 2.0, 2.3]
    assert bin_edges(0.3, 0.5).tolist() == [0.0, 0.3]
    assert bin_edges(0.0, 0.5).tolist() == [0.0]
    with pytest.raises(BinningError, match="bin_m = 0"):
        bin_edges(2.0, 0)


def test_empty_and_single_sample() -> None:
    s = PileSeries.from_arrays([0.0], [1.0], [10.0])
    p = depth_profile(s)
    assert p.cement_total_kg == 0.0
    assert p.bins()[0].pressure_min_mpa is None


@st.composite
def _random_pile(draw: st.DrawFn) -> PileSeries:
    n = draw(st.integers(5, 60))
    dt = draw(st.lists(st.floats(0.2, 5.0), min_size=n - 1, max_size=n - 1))
    steps = draw(st.lists(st.floats(-0.3, 0.4), min_size=n - 1, max_size=n - 1))
    flow = draw(st.lists(st.floats(0.0, 80.0), min_size=n, max_size=n))
    t = np.r_[0.0, np.cumsum(dt)]
    d = np.maximum(0.05 + np.r_[0.0, np.cumsum(steps)], 0.05)
    return PileSeries.from_arrays(t, d, flow, rpm=40.0, density_kg_l=1.6, wc=0.6)


@settings(max_examples=60, deadline=None)
@given(_random_pile(), st.sampled_from([0.25, 0.5, 1.0]))
def test_total_equals_sum_of_bins(s: PileSeries, bin_m: float) -> None:
    p = depth_profile(s, bin_m)
    per_metre_sum = float(np.sum(p.cement_kg_m * p.length_m))
    # independent total: trapezoid of flow over time (no gaps, all depths inside the pile)
    litres = float(np.sum(np.diff(s.t_s) * (s.flow_l_min[1:] + s.flow_l_min[:-1]) / 2) / 60)
    assert per_metre_sum == pytest.approx(p.cement_total_kg, rel=1e-9, abs=1e-9)
    assert p.cement_total_kg == pytest.approx(litres * 1.6 / 1.6, rel=1e-9, abs=1e-9)


@settings(max_examples=30, deadline=None)
@given(_random_pile(), st.randoms(use_true_random=False))
def test_arrival_order_does_not_change_the_profile(s: PileSeries, rnd: object) -> None:
    rows = [
        {
            "seq": i,
            "t": "2026-01-01T00:00:00Z",
            "depth_m": float(s.depth_m[i]),
            "flow_l_min": float(s.flow_l_min[i]),
            "rpm": 40.0,
        }
        for i in range(len(s))
    ]
    from datetime import UTC, datetime, timedelta

    base = datetime(2026, 1, 1, tzinfo=UTC)
    for i, row in enumerate(rows):
        row["t"] = base + timedelta(seconds=float(s.t_s[i]))
    shuffled = list(rows)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    a = depth_profile(PileSeries.from_samples(rows), 0.5)
    b = depth_profile(PileSeries.from_samples(shuffled), 0.5)
    assert np.array_equal(a.cement_kg, b.cement_kg)
    assert np.array_equal(a.passes, b.passes)


@settings(max_examples=25, deadline=None)
@given(
    st.lists(st.floats(20.0, 200.0), min_size=4, max_size=8),
    st.lists(st.floats(10.0, 70.0), min_size=9, max_size=9),
)
def test_resampling_1hz_to_5hz(durations: list[float], flows: list[float]) -> None:
    # keyframes of a down-up pile (depth and flow piecewise linear between them), sampled at
    # 1 Hz and at 5 Hz: bins must agree within a tolerance for the knots falling between
    # samples.
    k = len(durations)
    tk = np.r_[0.0, np.cumsum(durations)]
    half = k // 2
    dk = np.r_[np.linspace(0.0, 6.0, half + 1), np.linspace(6.0, 0.0, k - half + 1)[1:]]
    qk = np.asarray(flows[: k + 1])

    def sample(dt: float) -> PileSeries:
        t = np.r_[np.arange(0.0, tk[-1], dt), tk[-1]]  # both end where the pile ends
        return PileSeries.from_arrays(
            t, np.interp(t, tk, dk), np.interp(t, tk, qk), rpm=40.0, density_kg_l=1.5, wc=0.5
        )

    a = depth_profile(sample(1.0), 0.5)
    b = depth_profile(sample(0.2), 0.5)
    scale = max(float(a.cement_kg_m.max()), 1.0)
    assert a.bin_count == b.bin_count
    assert a.cement_total_kg == pytest.approx(b.cement_total_kg, rel=0.02)
    # per metre in every bin but the bottom one, whose length ends at the depth reached —
    # which 1 Hz can miss by up to speed · 1 s at the turn; its cement in kg still agrees
    assert np.all(np.abs(a.cement_kg_m - b.cement_kg_m)[:-1] <= 0.05 * scale)
    assert abs(a.cement_kg[-1] - b.cement_kg[-1]) <= 0.05 * scale * 0.5


def test_no_rpm_channel_means_unknown_blade_passes() -> None:
    s = PileSeries.from_arrays(
        np.arange(0.0, 121.0),
        np.arange(0.0, 121.0) / 60,
        np.full(121, 40.0),
        density_kg_l=1.5,
        wc=0.5,
    )
    p = depth_profile(s)
    assert np.all(np.isnan(p.blade_passes_per_m))
    assert p.bins()[0].blade_passes_per_m is None and p.bins()[0].mixing_count is None


def test_stroke_speed_survives_a_centimetre_encoder() -> None:
    # withdrawal 5 → 0 m at 0.45 m/min, 1 Hz, depth floored to whole centimetres: every
    # stroke's mean speed through a 0.5 m bin stays within about 2% of 0.45
    t = np.arange(0.0, 5.0 / 0.45 * 60.0 + 1.0)
    d = np.floor((5.0 - t * 0.45 / 60.0).clip(0.0) * 100.0) / 100.0
    s = PileSeries.from_arrays(t, d, np.full(t.size, 40.0), rpm=40.0, density_kg_l=1.5, wc=0.5)
    p = depth_profile(s)
    assert np.all(np.abs(p.max_withdrawal_spraying_m_min - 0.45) < 0.01)
    assert np.all(p.max_penetration_m_min == 0.0)
