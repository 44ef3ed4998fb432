import numpy as np
import pytest

from analytics.binning import DepthProfile, RigGeometry
from analytics.scoring import ScoringError, binder_score, grade, mixing_score, score_profile


def test_binder_and_mixing_scores() -> None:
    # 55 → 100; 41.25 (75% of 55) → 0; halfway 48.125 → 50; below and above clip
    assert binder_score(np.array([55.0, 41.25, 48.125, 30.0, 70.0])).tolist() == [
        100.0,
        0.0,
        50.0,
        0.0,
        100.0,
    ]
    assert mixing_score(np.array([20.0, 25.0, 10.0])).tolist() == [100.0, 100.0, 50.0]
    assert [grade(90.0), grade(89.9), grade(70.0), grade(69.9)] == ["A", "B", "B", "C"]


def _profile(cement_kg: list[float], revolutions: list[float]) -> DepthProfile:
    n = len(cement_kg)
    z = np.zeros(n)
    return DepthProfile(
        np.arange(n + 1) * 0.5,
        np.array(cement_kg),
        z,
        z,
        z,
        np.array(revolutions),
        np.array(revolutions),
        z,
        z,
        z,
        np.zeros(n, dtype=np.int64),
        np.zeros(n, dtype=np.int64),
        z,
        z,
        RigGeometry(0.10, 0.0, 4),
        0.0,
        0.0,
    )


def test_pile_score_from_two_segments() -> None:
    # segment 0–1 m: 27.5 + 27.5 kg = 55 kg/m → binder 100; 25 + 25 rev over 1 m,
    # M = 0.1 · 4 · 50 = 20 → mixing 100 → segment 100.
    # segment 1–2 m: 2 · 24.0625 = 48.125 kg/m → 50; M = 0.4 · 25 = 10 → 50 → segment 50.
    # pile: (100 + 50) / 2 = 75 → B
    s = score_profile(_profile([27.5, 27.5, 24.0625, 24.0625], [25, 25, 12.5, 12.5]), 55.0)
    assert s.segment_top_m.tolist() == [0.0, 1.0]
    assert s.segment_cement_kg_m.tolist() == pytest.approx([55.0, 48.125])
    assert s.segment_score.tolist() == pytest.approx([100.0, 50.0])
    assert s.score == pytest.approx(75.0)
    assert s.grade == "B"


def test_reference_is_configurable_and_checked() -> None:
    # with a 44 kg/m reference, 48.125 is above it → 100
    s = score_profile(_profile([24.0625, 24.0625], [25, 25]), 44.0)
    assert s.score == pytest.approx(100.0)
    with pytest.raises(ScoringError, match="reference_kg_m = -1"):
        score_profile(_profile([1.0], [1.0]), -1)
