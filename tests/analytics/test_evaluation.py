import functools
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analytics.evaluation import VERSION, evaluate_pile
from analytics.series import PileSeries
from siteplan.csv_format import PlannedPile
from tests.analytics.synth import good_4s2p

PLAN = PlannedPile("P", 0.0, 0.0, 10.0, 0.5, 55.0, 0.6, 1.78, 4, "4S2P")
SUMMARY_KEYS = {
    "depth_reached_m",
    "cement_total_kg",
    "cv",
    "cu",
    "du_lq",
    "min_ratio",
    "verdict",
    "reasons",
}
PROFILE_KEYS = {
    "top_m",
    "bottom_m",
    "cement_kg_m",
    "cement_down_kg_m",
    "cement_up_kg_m",
    "slurry_l_m",
    "blade_passes_per_m",
    "max_withdrawal_m_min",
}


def test_good_pile_passes() -> None:
    e = evaluate_pile(good_4s2p(10.0), PLAN)
    assert e.verdict == "pass", e.reasons
    assert e.reasons == []
    assert e.depth_reached_m == pytest.approx(10.0)
    # 60 L/min down at 0.8 (75 L/m) and up at 0.5 (120 L/m): 195 L/m · 1.78 / 1.6 = 216.94
    # kg/m; the bottom bin adds a 40 s dwell (40 L) → 10 m · 216.94 + 40 · 1.1125 = 2213.9
    assert e.cement_total_kg == pytest.approx(2213.875)
    assert e.grade == "A"
    assert e.version == VERSION
    assert set(e.summary()) >= SUMMARY_KEYS
    prof = e.profile_dict()
    assert prof["bin_m"] == 0.5
    bins = prof["bins"]
    assert isinstance(bins, list) and len(bins) == 20
    assert set(bins[0]) >= PROFILE_KEYS


def test_deficient_pile_fails_with_reasons() -> None:
    s = good_4s2p(10.0)
    q = s.flow_l_min.copy()
    # starve 3–4 m on both spraying strokes: 8 L/min at 0.8 and 0.5 m/min = 10 + 16 L/m,
    # 26 L/m · 1.1125 kg/L = 28.9 kg/m, 53% of 55
    q[(s.depth_m > 3.0) & (s.depth_m < 4.0) & (q > 0)] = 8.0
    e = evaluate_pile(s.with_channels(flow_l_min=q), PLAN)
    assert e.verdict == "fail"
    assert any("at 3.0–3.5 m" in r for r in e.reasons)
    assert e.min_ratio is not None and e.min_ratio < 0.6


def test_unplanned_and_in_progress() -> None:
    s = good_4s2p(10.0)
    e = evaluate_pile(s, None)
    assert e.verdict is None
    assert e.reasons[0] == "unplanned"
    assert e.min_ratio is None
    half = s.take(np.arange(len(s)) < 300)
    live = evaluate_pile(half, PLAN, final=False)
    assert live.verdict is None
    assert all("depth reached" not in r for r in live.reasons)


def test_empty_series() -> None:
    e = evaluate_pile(PileSeries.from_arrays([], [], []), PLAN)
    assert e.verdict == "fail"
    assert e.bins == []


def test_no_rpm_skips_mixing_rules() -> None:
    s = good_4s2p(10.0)
    e = evaluate_pile(s.with_channels(rpm=np.full(len(s), np.nan)), PLAN)
    assert e.verdict == "pass", e.reasons
    assert any(c.kind == "rpm_missing" for c in e.cleaning)
    assert e.bins[0].blade_passes_per_m is None


@functools.cache
def _rows() -> list[dict[str, object]]:
    s = good_4s2p(4.0, dt=2.0)
    base = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
    return [
        {
            "seq": i,
            "t": (base + timedelta(seconds=float(s.t_s[i]))).isoformat(),
            "depth_m": float(s.depth_m[i]),
            "flow_l_min": float(s.flow_l_min[i]),
            "rpm": float(s.rpm[i]),
            "density_kg_l": 1.78,
            "wc": 0.6,
        }
        for i in range(len(s))
    ]


@settings(max_examples=15, deadline=None)
@given(st.randoms(use_true_random=False))
def test_evaluation_ignores_arrival_order(rnd: object) -> None:
    rows = _rows()
    shuffled = list(rows)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    plan = PlannedPile("P", 0.0, 0.0, 4.0, 0.5, 55.0, 0.6, 1.78, 4, "4S2P")
    a = evaluate_pile(PileSeries.from_samples(rows), plan)
    b = evaluate_pile(PileSeries.from_samples(shuffled), plan)
    assert a.summary() == b.summary()
    assert a.profile_dict() == b.profile_dict()
