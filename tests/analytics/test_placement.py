from __future__ import annotations

import pytest

from analytics.limits import SINGLE_DOUBLE_AXIS
from analytics.placement import check_position, check_rig_daily_slurry, position_offset_mm


def test_offset_is_the_plane_distance_in_millimetres() -> None:
    # 30 mm east and 40 mm north: 50 mm (3-4-5 triangle).
    assert position_offset_mm(10.03, 20.04, 10.0, 20.0) == pytest.approx(50.0)


def test_position_at_the_limit_passes_beyond_it_warns() -> None:
    assert check_position(10.03, 20.04, 10.0, 20.0, SINGLE_DOUBLE_AXIS) == []
    (finding,) = check_position(10.06, 20.08, 10.0, 20.0, SINGLE_DOUBLE_AXIS)  # 100 mm
    assert (finding.rule, finding.severity) == ("position", "warning")
    assert finding.value == pytest.approx(100.0) and finding.limit == 50.0
    assert finding.message == "pile is 100 mm from its plan position (limit 50 mm)"


def test_rig_daily_slurry_limit() -> None:
    assert check_rig_daily_slurry(100_000.0, SINGLE_DOUBLE_AXIS) == []  # exactly 100 m³
    (finding,) = check_rig_daily_slurry(123_400.0, SINGLE_DOUBLE_AXIS)
    assert finding.value == pytest.approx(123.4) and finding.limit == 100.0
    assert finding.message == "rig pumped 123.4 m³ of slurry in 24 h (limit 100 m³)"
