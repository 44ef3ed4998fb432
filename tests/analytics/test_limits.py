import math

import pytest

from analytics.limits import SINGLE_DOUBLE_AXIS, THREE_AXIS, AcceptanceLimits, LimitsError


def test_defaults_from_domain() -> None:
    lim = SINGLE_DOUBLE_AXIS
    assert (lim.bin_warning_fraction, lim.bin_critical_fraction) == (0.90, 0.75)
    assert lim.max_withdrawal_spraying_m_min == 0.5
    assert lim.max_penetration_m_min == 1.0
    assert (lim.pressure_min_mpa, lim.pressure_max_mpa) == (0.40, 0.60)
    assert (lim.wc_min, lim.wc_max) == (0.55, 0.65)
    # atan(1/150) = 0.0066666 rad = 0.38197°
    assert lim.max_tilt_deg == pytest.approx(0.38197, abs=1e-5)
    assert lim.min_bottom_dwell_s == 30.0
    assert lim.interruption_overlap_m == 0.5
    assert lim.min_blade_passes_per_m == 350.0
    assert lim.min_mixing_count == 20.0
    assert lim.max_position_mm == 50.0
    assert lim.max_rig_daily_slurry_m3 == 100.0


def test_three_axis_preset() -> None:
    assert (THREE_AXIS.wc_min, THREE_AXIS.wc_max) == (1.5, 2.0)
    assert (THREE_AXIS.min_penetration_m_min, THREE_AXIS.max_penetration_m_min) == (0.5, 1.0)
    assert THREE_AXIS.max_withdrawal_spraying_m_min == 2.0
    assert THREE_AXIS.max_tilt_deg == pytest.approx(math.degrees(1 / 250), rel=1e-4)


def test_invalid_limits_name_the_values() -> None:
    with pytest.raises(LimitsError, match=r"\(0.6, 0.4\)"):
        AcceptanceLimits(pressure_min_mpa=0.6, pressure_max_mpa=0.4)
    with pytest.raises(LimitsError):
        AcceptanceLimits(bin_warning_fraction=0.7, bin_critical_fraction=0.8)
    assert SINGLE_DOUBLE_AXIS.with_(wc_max=0.7).wc_max == 0.7
