from __future__ import annotations

import json
import math
from collections import Counter

import pytest

from simulators.rig_types import rig_type
from simulators.runner import simulate_to_memory
from simulators.scenarios import (
    FAULT_SCENARIOS,
    SCENARIOS,
    build_scenario,
    read_ground_truth,
    write_ground_truth,
)
from simulators.site import deal_piles, generate_plan

from .helpers import cement_per_m, samples_by_pile, telemetry

PLAN = generate_plan("S1", 1, seed=3, length_m=(7.0, 7.0))
DESIGN = PLAN[0].design_length_m


def run(scenario: str, seed: int = 5, rigs: int = 1, plan=PLAN):
    return simulate_to_memory("S1", rigs, scenario, seed=seed, piles=len(plan), plan=plan)


def test_same_seed_same_bytes() -> None:
    plan = generate_plan("S1", 4, seed=1, length_m=(6.0, 7.0))
    _, a = simulate_to_memory("S1", 2, "mixed", seed=9, plan=plan, duration_s=3000)
    _, b = simulate_to_memory("S1", 2, "mixed", seed=9, plan=plan, duration_s=3000)
    _, c = simulate_to_memory("S1", 2, "mixed", seed=10, plan=plan, duration_s=3000)
    assert [(m.topic, m.payload) for m in a] == [(m.topic, m.payload) for m in b]
    assert [m.payload for m in a] != [m.payload for m in c]


def test_sample_shape_and_normal_dosage() -> None:
    report, msgs = run("normal")
    assert report.ground_truth == []
    assert report.piles_completed == 1
    tel = telemetry(msgs)
    assert all(len(d["samples"]) == 1 for d in tel)  # default batch: 1 s of samples
    s = tel[0]["samples"][0]
    assert set(s) == {
        "seq",
        "t",
        "depth_m",
        "flow_l_min",
        "rpm",
        "density_kg_l",
        "wc",
        "pressure_mpa",
        "current_a",
        "tilt_x_deg",
        "tilt_y_deg",
    }
    assert s["t"].endswith("Z") and len(s["t"]) == 24
    samples = samples_by_pile(msgs)[PLAN[0].pile]
    seqs = [x["seq"] for x in samples]
    assert seqs == list(range(len(seqs)))
    for top in range(int(DESIGN)):
        assert cement_per_m(samples, top, top + 1) >= PLAN[0].design_cement_kg_m
    assert max(x["depth_m"] for x in samples) == pytest.approx(DESIGN, abs=0.02)
    events = [json.loads(m.payload) for m in msgs if m.topic.endswith("/event")]
    assert [e["type"] for e in events] == ["operator", "pile_start", "pile_end"]
    assert "x" in events[1] and "y" in events[1]


def _one(report, kind=None):
    (gt,) = report.ground_truth
    if kind is not None:
        assert gt.kind == kind
    return gt


def _ref(gt):
    length = gt.depth_bottom_m - gt.depth_top_m
    return (
        (0.3, 0.3 + length)
        if gt.depth_top_m > 0.3 + length + 0.1
        else (DESIGN - 0.5 - length, DESIGN - 0.5)
    )


def _speeds_up(samples, top, bottom):
    out = []
    for a, b in zip(samples, samples[10:], strict=False):  # over 10 s
        if top <= b["depth_m"] <= bottom and top <= a["depth_m"] <= bottom:
            out.append((a["depth_m"] - b["depth_m"]) * 6.0)
    return out


@pytest.mark.parametrize("scenario", [s for s in FAULT_SCENARIOS if s != "normal"])
def test_fault_visible_where_ground_truth_says(scenario: str) -> None:
    report, msgs = run(scenario)
    gt = _one(report)
    assert gt.rig == "R01" and gt.pile == PLAN[0].pile
    samples = samples_by_pile(msgs).get(PLAN[0].pile, [])
    top, bottom = gt.depth_top_m, gt.depth_bottom_m
    ref = cement_per_m(samples, *_ref(gt)) if samples and bottom > top else 0.0
    if scenario == "under_dosage":
        assert cement_per_m(samples, top, bottom) < 0.8 * ref
    elif scenario == "slurry_interruption_gap":
        assert gt.kind == "slurry_interruption_gap" and gt.detail["defect"] is True
        assert cement_per_m(samples, top + 0.05, bottom - 0.05) < 0.7 * ref
    elif scenario == "slurry_interruption_overlap":
        assert gt.kind == "interruption_ok" and gt.detail["defect"] is False
        assert cement_per_m(samples, top + 0.05, bottom - 0.05) > 0.9 * ref
        dry = [s for s in samples if top < s["depth_m"] < bottom and s["flow_l_min"] == 0.0]
        assert dry, "the pump stopped in the interval"
    elif scenario == "withdrawal_too_fast":
        assert max(_speeds_up(samples, top, bottom)) > 0.8
        assert max(_speeds_up(samples, 0, top - 0.2)) < 0.55
    elif scenario == "short_pile":
        assert max(s["depth_m"] for s in samples) < top + 0.05 < DESIGN
    elif scenario == "wc_drift":
        late = [s["wc"] for s in samples[700:]]
        assert sum(late) / len(late) > PLAN[0].wc + 0.2
    elif scenario == "density_drift":
        late = [s["density_kg_l"] for s in samples[700:]]
        assert sum(late) / len(late) < PLAN[0].density_kg_l - 0.1
    elif scenario == "pressure_out_of_range":
        inside = [
            s["pressure_mpa"]
            for s in samples
            if top <= s["depth_m"] <= bottom and s["flow_l_min"] > 0
        ]
        assert inside and max(inside) < 0.3
    elif scenario == "tilt":
        assert max(s["tilt_x_deg"] for s in samples) > 1.0
    elif scenario == "no_dwell":
        assert sum(1 for s in samples if s["depth_m"] >= DESIGN - 0.01) < 8
    elif scenario == "missing_passes":
        assert _passes(samples) == gt.detail["done"] == 2
    elif scenario == "stuck_sensor":
        inside = [s["density_kg_l"] for s in samples if top <= s["depth_m"] <= bottom]
        assert len(inside) > 30 and len(set(inside)) == 1
    elif scenario == "logger_reboot":
        boots = list(dict.fromkeys(d["boot"] for d in telemetry(msgs)))
        assert len(boots) == 2
        first_new = next(d for d in telemetry(msgs) if d["boot"] == boots[1])["samples"][0]
        assert first_new["seq"] == 0 and first_new["depth_m"] >= bottom - 0.03
        old = [s for d in telemetry(msgs) if d["boot"] == boots[0] for s in d["samples"]]
        assert old[-1]["depth_m"] <= top + 0.03
    elif scenario == "clock_skew":
        _, normal = run("normal")
        a = telemetry(normal)[0]["samples"][0]["t"]
        b = telemetry(msgs)[0]["samples"][0]["t"]
        assert _seconds(b) - _seconds(a) == gt.detail["offset_s"]
    elif scenario in ("link_outage", "rig_offline"):
        order = [s["seq"] for d in telemetry(msgs) for s in d["samples"]]
        assert order != sorted(order) and sorted(order) == list(range(len(order)))
        late = [s for s in samples if top <= s["depth_m"] <= bottom and s["seq"] < 2000]
        assert late
        if scenario == "rig_offline":
            wills = [m for m in msgs if m.topic.endswith("/status") and b"false" in m.payload]
            assert len(wills) >= 2  # the last will, then the final offline status
    elif scenario == "duplicate_delivery":
        keys = Counter(
            (d["boot"], s["seq"], s["depth_m"]) for d in telemetry(msgs) for s in d["samples"]
        )
        twice = [k for k, n in keys.items() if n == 2]
        assert twice and all(top - 0.02 <= k[2] <= bottom + 0.02 for k in twice)
    elif scenario == "malformed_messages":
        bad = [m for m in msgs if m.topic.endswith("/telemetry") and not _valid(m.payload)]
        assert len(bad) == gt.detail["count"] == 8
        assert any(len(m.payload) > 256 * 1024 for m in bad)
    else:
        pytest.fail(f"no check for {scenario}")


def _valid(payload: bytes) -> bool:
    try:
        d = json.loads(payload)
    except ValueError:
        return False
    return (
        isinstance(d, dict)
        and d.get("v") == 1
        and d.get("rig") == "R01"
        and all("seq" in s and s["seq"] < 9_000_000 for s in d["samples"])
    )


def _seconds(t: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(t.replace("Z", "+00:00")).timestamp()


def _passes(samples) -> int:
    """Monotonic depth runs longer than 1 m."""
    runs, start, direction = 0, samples[0]["depth_m"], 0
    prev = start
    for s in samples[1:]:
        d = s["depth_m"]
        step = 0 if math.isclose(d, prev, abs_tol=0.005) else (1 if d > prev else -1)
        if step and direction and step != direction:
            runs += abs(prev - start) > 1.0
            start = prev
        if step:
            direction = step
        prev = d
    return runs + (abs(prev - start) > 1.0)


def test_mixed_spreads_scenarios_and_ground_truth_file(tmp_path) -> None:
    rigs = [f"R{i:02d}" for i in range(len(FAULT_SCENARIOS))]
    plan = generate_plan("S1", len(rigs) * 2, seed=1)
    setup = build_scenario("mixed", "S1", deal_piles(plan, rigs), rig_type("single"), seed=4)
    kinds = {g.kind for g in setup.ground_truth}
    assert len(setup.ground_truth) == len(FAULT_SCENARIOS) - 1
    assert {"interruption_ok", "slurry_interruption_gap", "link_outage", "rig_offline"} <= kinds
    assert setup.will_rigs == {rigs[FAULT_SCENARIOS.index("rig_offline")]}
    path = tmp_path / "truth.json"
    write_ground_truth(path, setup.ground_truth)
    assert read_ground_truth(path) == setup.ground_truth
    assert set(json.loads(path.read_text())[0]) == {
        "rig",
        "pile",
        "kind",
        "depth_top_m",
        "depth_bottom_m",
        "detail",
    }
    assert "mixed" in SCENARIOS
    with pytest.raises(ValueError, match="unknown scenario"):
        build_scenario("nope", "S1", {}, rig_type("single"), 0)


def test_no_dwell_logger_records_the_bottom() -> None:
    # the tool turns between two 1 Hz ticks: the logger still records the turn, at the
    # depth reached (the design length), so a pile drilled to design is not 2 mm short
    plan = generate_plan("S1", 1, seed=11, length_m=(11.5, 11.5))
    _, msgs = simulate_to_memory("S1", 1, "no_dwell", seed=11, piles=1, plan=plan)
    samples = samples_by_pile(msgs)[plan[0].pile]
    assert max(s["depth_m"] for s in samples) == plan[0].design_length_m
    seqs = [s["seq"] for s in samples]
    assert seqs == list(range(len(seqs)))
    times = [_seconds(s["t"]) for s in samples]
    assert times == sorted(times) and len(set(times)) == len(times)
    bottom = [s for s in samples if s["depth_m"] == plan[0].design_length_m]
    assert any(_seconds(s["t"]) % 1 != _seconds(samples[0]["t"]) % 1 for s in bottom)


def test_link_outage_is_shorter_than_rig_silent_and_expects_no_alert() -> None:
    from alerts.rules import RULES

    after_s = float(RULES["rig_silent"].params["after_min"]) * 60.0
    for kind in ("single", "three_axis"):
        rtype = rig_type(kind)
        plan = generate_plan("S1", 3, seed=2)
        setup = build_scenario("link_outage", "S1", deal_piles(plan, ["A", "B", "C"]), rtype, 4)
        for gt in setup.ground_truth:
            assert gt.detail["expect_alert"] is False
            span = gt.depth_bottom_m - gt.depth_top_m
            assert span / min(rtype.penetration_m_min) * 60.0 == pytest.approx(
                gt.detail["max_outage_s"], abs=0.1
            )
            assert gt.detail["max_outage_s"] < after_s
