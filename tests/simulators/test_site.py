from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from simulators.rig_model import plan_legs
from simulators.rig_types import rig_type
from simulators.runner import simulate_to_memory
from simulators.site import Shift, SimClock, generate_plan


def test_clock_and_shift() -> None:
    clock = SimClock(datetime(2026, 1, 1, 6, 0, tzinfo=UTC), speed=60.0)
    assert clock.sim_time(3600) == datetime(2026, 1, 1, 7, 0, tzinfo=UTC)
    clock.begin()
    assert clock.deadline(60) - clock.deadline(0) == pytest.approx(1.0)  # a minute in a second
    assert Shift(7, 19).working(datetime(2026, 1, 1, 7, 0, tzinfo=UTC))
    assert not Shift(7, 19).working(datetime(2026, 1, 1, 19, 0, tzinfo=UTC))
    assert Shift(19, 7).working(datetime(2026, 1, 1, 2, 0, tzinfo=UTC))
    with pytest.raises(ValueError):
        SimClock(speed=0)


def test_no_pile_starts_outside_the_shift() -> None:
    plan = generate_plan("S2", 4, seed=1, length_m=(4.0, 4.0))
    start = datetime(2026, 1, 1, 6, 0, tzinfo=UTC)
    report, msgs = simulate_to_memory(
        "S2", 2, "normal", seed=1, plan=plan, start=start, shift=Shift(7, 19), duration_s=3 * 3600
    )
    starts = [json.loads(m.payload) for m in msgs if m.topic.endswith("/event")]
    starts = [e for e in starts if e["type"] == "pile_start"]
    assert starts and all(e["t"] >= "2026-01-01T07:00:00" for e in starts)
    assert report.piles_completed >= 2


def test_stroke_plan_4s2p_and_pump_sizing() -> None:
    import random

    pile = generate_plan("S3", 1, seed=1)[0]
    legs = plan_legs(pile, rig_type("single"), [], random.Random(1))
    moving = [(leg.end_m > leg.start_m, leg.spray) for leg in legs if leg.speed_m_min > 0]
    assert moving == [(True, True), (False, True), (True, False), (False, False)]
    dwells = [leg for leg in legs if leg.speed_m_min == 0]
    assert [d.dwell_s for d in dwells] == [30.0, 30.0] and dwells[0].spray
    for leg in legs:
        if leg.spray and leg.speed_m_min > 0:
            per_m = leg.flow_l_min / leg.speed_m_min * pile.density_kg_l / (1 + pile.wc)
            assert per_m * 2 == pytest.approx(pile.design_cement_kg_m * 1.08)
