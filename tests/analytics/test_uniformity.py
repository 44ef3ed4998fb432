import pytest

from analytics.uniformity import UniformityError, uniformity


def test_hand_computed_uniformity() -> None:
    # x = 40, 50, 60, 50, design 50. mean 50; squared deviations 100 + 0 + 100 + 0 = 200;
    # sample variance 200 / 3 = 66.667, s = 8.16497 → CV 0.163299.
    # CU = 1 − (10 + 0 + 10 + 0) / (4 · 50) = 0.9; lowest quarter = {40} → DU 0.8.
    u = uniformity([40.0, 50.0, 60.0, 50.0], 50.0)
    assert u.mean_kg_m == pytest.approx(50.0)
    assert u.cv == pytest.approx(0.163299, abs=1e-6)
    assert u.cu == pytest.approx(0.9)
    assert u.du_lq == pytest.approx(0.8)
    assert u.min_ratio == pytest.approx(0.8)
    assert u.share_at_design == pytest.approx(0.75)  # 50, 60, 50 reach 50
    assert u.share_at_75pct_design == pytest.approx(1.0)  # all reach 37.5


def test_low_quarter_rounds_up() -> None:
    # 5 bins → ceil(5/4) = 2 lowest: (10 + 20) / 2 = 15; mean (10+20+30+40+50)/5 = 30 → 0.5
    assert uniformity([50.0, 10.0, 40.0, 20.0, 30.0]).du_lq == pytest.approx(0.5)


def test_degenerate_inputs() -> None:
    assert uniformity([]).cv is None
    one = uniformity([55.0], 55.0)
    assert one.cv is None and one.cu == pytest.approx(1.0)
    zero = uniformity([0.0, 0.0])
    assert zero.cv is None
    with pytest.raises(UniformityError, match="design_kg_m = 0"):
        uniformity([1.0], 0.0)
    with pytest.raises(UniformityError):
        uniformity([1.0, float("nan")])
