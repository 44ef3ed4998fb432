import numpy as np
import pytest

from analytics.site_stats import (
    SiteStatsError,
    compare_rigs,
    distribution,
    distributions_by_group,
    ewma,
    shewhart,
    uniformity_trend,
)


def test_distribution_and_groups() -> None:
    d = distribution(
        [50, 60, 70],
        [0.1, 0.2, 0.3],
        [0.9, 0.8, 0.7],
        [True, False, None],
        percentiles=(0, 50, 100),
    )
    assert d.cement_kg_m == (50.0, 60.0, 70.0)
    assert d.cv == pytest.approx((0.1, 0.2, 0.3))
    assert d.pass_rate == 0.5  # one of two known verdicts
    g = distributions_by_group(
        ["R1", "R2", "R1"],
        [50, 60, 70],
        [0.1, 0.2, 0.3],
        [0.9, 0.8, 0.7],
        [True, True, False],
        percentiles=(50,),
    )
    assert g["R1"].cement_kg_m == (60.0,) and g["R1"].pass_rate == 0.5


def test_shewhart_individuals() -> None:
    # mean 86/6 = 14.333; moving ranges 2, 1, 2, 3, 20 → 5.6; σ = 5.6 / 1.128 = 4.965
    # UCL = 14.333 + 3 · 4.965 = 29.23 → the 30 is out of control
    c = shewhart([10, 12, 11, 13, 10, 30])
    assert c.centre == pytest.approx(14.3333, abs=1e-4)
    assert c.sigma == pytest.approx(4.9645, abs=1e-4)
    assert c.out_of_control.tolist() == [5]


def test_ewma() -> None:
    # λ 0.5, centre 0, σ 1: z = 0, 0, 0, 5; limit at t=1: 3·√(1/3 · 0.75) = 1.5,
    # at t=4: 3·√(1/3 · (1 − 0.5^8)) = 1.7287
    c = ewma([0, 0, 0, 10], lam=0.5, centre=0.0, sigma=1.0)
    assert c.statistic.tolist() == pytest.approx([0, 0, 0, 5])
    assert c.ucl[0] == pytest.approx(1.5)
    assert c.ucl[3] == pytest.approx(1.7287, abs=1e-4)
    assert c.out_of_control.tolist() == [3]
    with pytest.raises(SiteStatsError):
        ewma([1, 2], lam=0)


def test_uniformity_trend() -> None:
    # CV 0.20 → 0.17 is −15%; CU 0.80 → 0.88 is +10%
    tr = uniformity_trend([0.2, 0.2], [0.17, 0.17], [0.8], [0.88])
    assert tr.cv_change_pct == pytest.approx(-15.0)
    assert tr.cu_change_pct == pytest.approx(10.0)
    assert tr.conclusion.endswith("more uniform")


def test_compare_rigs() -> None:
    # fully separated 3 vs 3: U = 0, exact two-sided p = 2 / C(6,3) = 2/20 = 0.1
    r = compare_rigs([1, 2, 3], [4, 5, 6])
    assert r.statistic == 0.0
    assert r.p_value == pytest.approx(0.1)
    assert r.conclusion.startswith("no evidence")
    rng = np.random.default_rng(1)
    big = compare_rigs(rng.normal(60, 2, 40), rng.normal(50, 2, 40), label_a="R1", label_b="R2")
    assert big.p_value < 0.05
    assert "R1 runs higher" in big.conclusion
