import pytest

from analytics.formulas import (
    BinningError,
    RigGeometry,
    blade_rotation_number,
    cement_kg,
    mixing_count,
)


def test_worked_example_cement() -> None:
    # 62 L · 1.5 kg/L = 93 kg of slurry; w/c 1.0 → half of it cement: 46.5 kg
    assert cement_kg(62.0, 1.5, 1.0) == pytest.approx(46.5)


def test_worked_example_blade_rotation_number() -> None:
    # 6 · (30/1.0 + 30/0.8) = 6 · (30 + 37.5) = 6 · 67.5 = 405
    assert blade_rotation_number(6, 30, 1.0, 30, 0.8) == pytest.approx(405.0)
    # withdrawal-only injection: Nd counts 0 → 6 · 37.5 = 225
    assert blade_rotation_number(6, 30, 1.0, 30, 0.8, injection_on_withdrawal_only=True) == (
        pytest.approx(225.0)
    )


def test_worked_example_mixing_count() -> None:
    # 0.10 m · cos 0 · 4 blades · 50 rpm / 0.8 m/min = 0.4 · 62.5 = 25
    assert mixing_count(RigGeometry(0.10, 0.0, 4), 50.0, 0.8) == pytest.approx(25.0)


def test_formula_inputs_are_checked() -> None:
    with pytest.raises(BinningError, match=r"speed_m_min = 0"):
        mixing_count(RigGeometry(), 50.0, 0)
    with pytest.raises(BinningError):
        cement_kg(10.0, 0.0, 0.5)
    with pytest.raises(BinningError, match="blades = 0"):
        RigGeometry(blades=0)
