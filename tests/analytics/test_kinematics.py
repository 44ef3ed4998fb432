import numpy as np

from analytics.kinematics import interval_direction, sample_direction, vertical_speed_m_min


def test_speed_of_constant_motion() -> None:
    t = np.arange(0.0, 61.0)
    d = t / 60.0 * 0.8  # 0.8 m/min downward
    v = vertical_speed_m_min(t, d)
    assert np.allclose(v, 0.8)
    assert np.allclose(vertical_speed_m_min(t, d, window_s=0), 0.8)


def test_speed_ignores_centimetre_steps() -> None:
    # a 1 cm encoder at 0.5 m/min: 0.833 cm/s, so readings step 1 cm most seconds
    t = np.arange(0.0, 120.0)
    d = np.floor(t * 0.5 / 60.0 * 100.0) / 100.0
    v = vertical_speed_m_min(t, d, window_s=12.0)
    assert np.all(np.abs(v[10:-10] - 0.5) < 0.06)


def test_direction_fills_still_intervals() -> None:
    d = np.array([0.0, 0.0, 1.0, 2.0, 2.0, 2.0, 1.0, 1.0])
    assert interval_direction(d).tolist() == [1, 1, 1, 1, 1, -1, -1]
    assert sample_direction(d).tolist() == [1, 1, 1, 1, 1, 1, -1, -1]
    assert interval_direction(np.zeros(3)).tolist() == [1, 1]
