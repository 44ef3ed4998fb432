import numpy as np
import pytest

from analytics.limits import SINGLE_DOUBLE_AXIS
from analytics.sample_checks import bottom_dwell_s, check_interruptions, check_samples
from analytics.series import PileSeries
from tests.analytics.synth import Leg, build, move


def _withdrawal_with_stall(back_to_m: float | None) -> PileSeries:
    # spray down 0 → 10 m, then withdraw spraying at 0.5 m/min; slurry stops at 6.0 m while the
    # tool keeps rising to 5.0 m. Then either it restarts there (None), or the tool goes back
    # down to ``back_to_m`` with the pump still off and restarts the slurry before lifting.
    legs = [
        move(10.0, 1.0, 0.0, 60.0),
        Leg(10.0, 40.0, 60.0),
        move(6.0, 0.5, 10.0, 60.0),
        move(5.0, 0.5, 6.0, 0.0),
    ]
    if back_to_m is not None:
        legs.append(move(back_to_m, 0.5, 5.0, 0.0))
        legs.append(move(0.0, 0.5, back_to_m, 60.0))
    else:
        legs.append(move(0.0, 0.5, 5.0, 60.0))
    return build(legs, density_kg_l=1.5, wc=0.6)


def test_stall_without_overlap_is_a_defect() -> None:
    found = check_interruptions(_withdrawal_with_stall(None), SINGLE_DOUBLE_AXIS)
    assert len(found) == 1
    f = found[0]
    assert (f.rule, f.severity) == ("slurry_interruption", "critical")
    assert (f.depth_top_m, f.depth_bottom_m) == pytest.approx((5.0, 6.0))
    assert f.value == pytest.approx(0.0)
    assert "5.0–6.0 m without slurry" in f.message


def test_stall_with_overlap_is_covered() -> None:
    found = check_interruptions(_withdrawal_with_stall(6.6), SINGLE_DOUBLE_AXIS)
    assert [(f.severity, round(f.value or 0, 6)) for f in found] == [("info", 0.6)]


def test_stall_with_too_little_overlap() -> None:
    found = check_interruptions(_withdrawal_with_stall(6.3), SINGLE_DOUBLE_AXIS)
    assert [(f.severity, round(f.value or 0, 6)) for f in found] == [("critical", 0.3)]


def test_end_of_spraying_is_not_an_interruption() -> None:
    # spray down and up, pump off for the last 0.2 m, then a dry mixing stroke with a restart
    legs = [
        move(5.0, 1.0, 0.0, 60.0),
        move(0.2, 0.5, 5.0, 60.0),
        move(0.0, 0.5, 0.2, 0.0),
        move(5.0, 1.0, 0.0, 60.0),
    ]
    assert check_interruptions(build(legs), SINGLE_DOUBLE_AXIS) == []


def test_sample_rules() -> None:
    t = np.arange(0.0, 200.0)
    p = np.full(200, 0.5) + 0.001 * np.sin(t)
    p[50:110] = 0.3  # 60 s low
    p[150:152] = 0.7  # a 2 s blip: ignored
    tilt = np.zeros(200)
    tilt[120:140] = 0.5  # beyond 0.38°
    wc = np.full(200, 0.6)
    s = PileSeries.from_arrays(
        t,
        0.1 + t / 60.0,
        np.full(200, 40.0),
        pressure_mpa=p,
        tilt_x_deg=tilt,
        tilt_y_deg=0.0,
        wc=wc,
        density_kg_l=1.3,
    )
    found = check_samples(s, SINGLE_DOUBLE_AXIS, design_density_kg_l=1.5)
    rules = sorted(f.rule for f in found)
    assert rules == ["density", "density_mean", "pressure", "tilt"]
    pressure = next(f for f in found if f.rule == "pressure")
    assert pressure.message.startswith("pressure 0.30 MPa at 0.9–1.9 m for 60 s is below 0.40")


def test_bottom_dwell() -> None:
    dwell = build([move(1.0, 1.0, 0.0), Leg(1.0, 35.0)])
    assert bottom_dwell_s(dwell, 0.1) == pytest.approx(41.0)  # 6 s of the descent + 35 s


def test_bottom_dwell_is_one_stay_not_the_sum_of_strokes() -> None:
    # 4S2P without a dwell: the tool turns at 10 m twice (0.8 down / 0.5 up, then 1.0 / 1.0);
    # each turn spends 7.5 + 12 s and 6 + 6 s within 0.1 m of the bottom, together 31.5 s,
    # but no single stay is a 30 s dwell
    legs = [
        move(10.0, 0.8, 0.0),
        move(0.0, 0.5, 10.0),
        move(10.0, 1.0, 0.0, 0.0),
        move(0.0, 1.0, 10.0, 0.0),
    ]
    assert bottom_dwell_s(build(legs), 0.1) == pytest.approx(19.5, abs=1.0)
    with_dwell = [legs[0], Leg(10.0, 30.0), *legs[1:]]
    assert bottom_dwell_s(build(with_dwell), 0.1) == pytest.approx(49.5, abs=1.0)
