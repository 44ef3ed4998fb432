"""Named scenarios: which faults go into which piles, and the ground truth of each.

Every single-fault scenario puts its fault into the first pile of every rig (so a short run
shows it); ``mixed`` gives rig i the i-th scenario of ``FAULT_SCENARIOS`` (rig 0 normal) on
its first pile. Depths are drawn from a ``random.Random`` seeded by (site, seed, rig), so a
scenario is the same for the same seed.

Ground-truth kinds (one entry per injected fault, ``{rig, pile, kind, depth_top_m,
depth_bottom_m, detail}``):

- ``under_dosage`` – flow × 0.55 on both spraying strokes over the interval;
- ``interruption_ok`` – scenario ``slurry_interruption_overlap``: the pump stops on the
  spraying withdrawal at ``depth_bottom_m``, the tool rises 1 m to ``depth_top_m`` without
  slurry, goes back down 0.6 m below the stop and sprays up again. NOT a defect
  (``detail.defect`` false): the restart overlaps ≥ 0.5 m of treated soil;
- ``slurry_interruption_gap`` – same stop, spraying resumes where the tool is: the interval
  got no slurry on that stroke. A defect;
- ``withdrawal_too_fast`` – spraying withdrawal at 2× the type's top speed over the interval;
- ``short_pile`` – the tool stops ``detail.shortfall_m`` above design length (interval =
  the untreated bottom); ``no_dwell`` – no dwell at the bottom (interval = the bottom);
- ``wc_drift`` / ``density_drift`` / ``tilt`` – a ramp over the first 10 min of the pile, the
  interval is the whole pile; ``pressure_out_of_range`` – pump pressure at 0.25 MPa while
  spraying over the interval; ``stuck_sensor`` – ``detail.channel`` frozen over the interval;
- ``missing_passes`` – two mixing passes fewer than the process code (whole pile);
- ``logger_reboot`` – samples over the interval (first stroke) are lost, then a new boot and
  seq 0; ``clock_skew`` – the rig clock is ``detail.offset_s`` off for the whole pile;
- ``link_outage`` – telemetry over the interval (first stroke) is held back and sent when the
  link returns, in shuffled order. Store and forward loses nothing and the pile is built as
  planned, so this is no construction defect; the outage (1–2 m of penetration at ≥ 0.5
  m/min, at most 240 s) is shorter than ``rig_silent``'s default ``after_min`` (5 min), so
  the truth expects no alert (``detail.expect_alert`` false, ``detail.max_outage_s``): an
  alert on it is a false alarm, as for a reboot; ``rig_offline`` – the same, but the
  connection dies and the broker publishes the last will; ``duplicate_delivery`` – every
  message over the interval is published twice; ``malformed_messages`` – broken messages
  (``detail.reasons``) are sent when the tool passes ``depth_top_m``.
"""

from __future__ import annotations

import json
import random
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from simulators.rig_model import INTERRUPTION_OVERLAP_M, INTERRUPTION_STOP_M, Fault
from simulators.rig_types import RigKind, RigType
from siteplan.csv_format import PlannedPile

FAULT_SCENARIOS = (
    "normal",
    "under_dosage",
    "slurry_interruption_overlap",
    "slurry_interruption_gap",
    "withdrawal_too_fast",
    "short_pile",
    "wc_drift",
    "density_drift",
    "pressure_out_of_range",
    "tilt",
    "no_dwell",
    "missing_passes",
    "stuck_sensor",
    "logger_reboot",
    "link_outage",
    "duplicate_delivery",
    "clock_skew",
    "malformed_messages",
    "rig_offline",
)
SCENARIOS = (*FAULT_SCENARIOS, "mixed")
MALFORMED_REASONS = (
    "not_json",
    "not_utf8",
    "not_an_object",
    "missing_seq",
    "rig_mismatch",
    "bad_time",
    "unknown_version",
    "too_large",
)


@dataclass(frozen=True, slots=True)
class GroundTruth:
    rig: str
    pile: str
    kind: str
    depth_top_m: float
    depth_bottom_m: float
    detail: dict[str, object] = field(default_factory=dict)


@dataclass(slots=True)
class ScenarioSetup:
    name: str
    faults: dict[str, dict[str, list[Fault]]]  # rig → pile → faults
    ground_truth: list[GroundTruth]
    backlog_order: str = "shuffled"

    @property
    def will_rigs(self) -> set[str]:
        """Rigs that need their own connection with a last will."""
        return {
            rig
            for rig, piles in self.faults.items()
            for faults in piles.values()
            if any(f.kind == "rig_offline" for f in faults)
        }


def _interval(rng: random.Random, length: float, span: tuple[float, float]) -> tuple[float, float]:
    top = round(rng.uniform(0.25, 0.5) * length, 1)
    bottom = round(min(length - 0.5, top + rng.uniform(*span)), 1)
    return top, bottom


def fault_for(
    scenario: str, rig: str, pile: PlannedPile, rtype: RigType, rng: random.Random
) -> tuple[list[Fault], list[GroundTruth]]:
    """The faults of one scenario on one pile, and their ground truth."""
    if scenario == "normal":
        return [], []
    length = pile.design_length_m
    top, bottom = _interval(rng, length, (1.0, 2.0))
    detail: dict[str, object] = {}
    kind = scenario
    f: Fault
    if scenario == "under_dosage":
        f = Fault(scenario, top, bottom, 0.55, stroke=None)
        detail = {"flow_factor": 0.55}
    elif scenario in ("slurry_interruption_overlap", "slurry_interruption_gap"):
        stop = round(rng.uniform(0.4, 0.7) * length, 1)
        overlap = scenario.endswith("overlap")
        f = Fault("interruption_overlap" if overlap else "interruption_gap", value=stop)
        top, bottom = round(stop - INTERRUPTION_STOP_M, 3), stop
        kind = "interruption_ok" if overlap else "slurry_interruption_gap"
        detail = {"stopped_at_m": stop, "stroke": 1, "defect": not overlap}
        if overlap:
            detail["restart_from_m"] = round(stop + INTERRUPTION_OVERLAP_M, 3)
            detail["overlap_m"] = INTERRUPTION_OVERLAP_M
    elif scenario == "withdrawal_too_fast":
        speed = round(rtype.withdrawal_m_min[1] * 2.0, 2)
        f = Fault(scenario, top, bottom, speed, stroke=1)
        detail = {"speed_m_min": speed, "stroke": 1}
    elif scenario == "short_pile":
        short = round(rng.uniform(1.0, 2.0), 1)
        f = Fault(scenario, value=short)
        top, bottom = round(length - short, 3), length
        detail = {"shortfall_m": short, "design_length_m": length}
    elif scenario in ("wc_drift", "density_drift", "tilt"):
        three = rtype.kind is RigKind.THREE_AXIS
        value = {"wc_drift": 0.6 if three else 0.25, "density_drift": -0.2, "tilt": 1.2}[scenario]
        f = Fault(scenario, 0.0, length, value, stroke=None)
        top, bottom = 0.0, length
        detail = {"offset": value, "ramp_s": 600}
    elif scenario == "pressure_out_of_range":
        f = Fault(scenario, top, bottom, 0.25, stroke=None)
        detail = {"pressure_mpa": 0.25}
    elif scenario == "no_dwell":
        f = Fault(scenario)
        top = bottom = length
        detail = {"dwell_s": 0}
    elif scenario == "missing_passes":
        f = Fault(scenario, value=2)
        top, bottom = 0.0, length
        detail = {"required": pile.mixing_passes, "done": max(1, pile.mixing_passes - 2)}
    elif scenario == "stuck_sensor":
        f = Fault(scenario, top, bottom, stroke=None, channel="density_kg_l")
        detail = {"channel": "density_kg_l"}
    elif scenario == "logger_reboot":
        bottom = round(top + 0.3, 1)
        f = Fault(scenario, top, bottom, stroke=0)
        detail = {"stroke": 0, "samples_lost": True}
    elif scenario == "clock_skew":
        offset = rng.choice((28800.0, -3600.0, 1800.0))
        f = Fault(scenario, value=offset)
        top, bottom = 0.0, length
        detail = {"offset_s": offset}
    elif scenario == "malformed_messages":
        bottom = round(top + 0.1, 1)
        f = Fault(scenario, top, bottom, stroke=0)
        detail = {"count": len(MALFORMED_REASONS), "reasons": list(MALFORMED_REASONS)}
    elif scenario in ("link_outage", "rig_offline", "duplicate_delivery"):
        f = Fault(scenario, top, bottom, stroke=0)
        detail = {"stroke": 0}
        if scenario != "duplicate_delivery":
            detail["backlog_order"] = "shuffled"
        if scenario == "link_outage":
            # the longest the outage can last: its depth span at the slowest penetration
            slowest = min(rtype.penetration_m_min)
            detail["max_outage_s"] = round((bottom - top) / slowest * 60.0, 1)
            detail["expect_alert"] = False
    else:
        raise ValueError(f"unknown scenario {scenario!r}; known: {', '.join(SCENARIOS)}")
    return [f], [GroundTruth(rig, pile.pile, kind, top, bottom, detail)]


def build_scenario(
    name: str,
    site_id: str,
    dealt: Mapping[str, Sequence[PlannedPile]],
    rtype: RigType,
    seed: int,
) -> ScenarioSetup:
    """Faults and ground truth for scenario ``name`` on the piles dealt to each rig."""
    if name not in SCENARIOS:
        raise ValueError(f"unknown scenario {name!r}; known: {', '.join(SCENARIOS)}")
    faults: dict[str, dict[str, list[Fault]]] = {}
    truth: list[GroundTruth] = []
    for i, (rig, piles) in enumerate(dealt.items()):
        if not piles:
            continue
        rng = random.Random(f"scenario/{site_id}/{seed}/{rig}")
        kind = FAULT_SCENARIOS[i % len(FAULT_SCENARIOS)] if name == "mixed" else name
        pile_faults, pile_truth = fault_for(kind, rig, piles[0], rtype, rng)
        if pile_faults:
            faults.setdefault(rig, {})[piles[0].pile] = pile_faults
            truth.extend(pile_truth)
    return ScenarioSetup(name, faults, truth)


def write_ground_truth(path: str | Path, entries: Sequence[GroundTruth]) -> None:
    """Ground truth as a JSON list of {rig, pile, kind, depth_top_m, depth_bottom_m, detail}."""
    data = [asdict(e) for e in entries]
    Path(path).write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", "utf-8")


def read_ground_truth(path: str | Path) -> list[GroundTruth]:
    return [GroundTruth(**e) for e in json.loads(Path(path).read_text("utf-8"))]


def malformed_payloads(rig: str, pile: str, boot: str, t: str) -> list[tuple[str, bytes, str]]:
    """(topic kind, payload, reason) of each broken message the scenario sends."""

    def body(**over: object) -> bytes:
        msg: dict[str, object] = {
            "v": 1,
            "rig": rig,
            "pile": pile,
            "boot": boot,
            "samples": [{"seq": 9_000_000, "t": t, "depth_m": 1.0, "flow_l_min": 40.0}],
        }
        msg.update(over)
        return json.dumps(msg, separators=(",", ":")).encode()

    no_seq = [{"t": t, "depth_m": 1.0, "flow_l_min": 40.0}]
    bad_t = [{"seq": 9_000_001, "t": "yesterday", "depth_m": 1.0, "flow_l_min": 40.0}]
    big = [
        {"seq": 9_100_000 + k, "t": t, "depth_m": 1.0, "flow_l_min": 40.0, "pad": "x" * 200}
        for k in range(1400)
    ]
    return [
        ("telemetry", b'{"v":1,"rig":"' + rig.encode() + b'","samples":[{"seq":', "not_json"),
        ("telemetry", b"\xff\xfe\x00garbage\x80", "not_utf8"),
        ("telemetry", b"[1,2,3]", "not_an_object"),
        ("telemetry", body(samples=no_seq), "missing_seq"),
        ("telemetry", body(rig=rig + "X"), "rig_mismatch"),
        ("telemetry", body(samples=bad_t), "bad_time"),
        ("telemetry", body(v=99), "unknown_version"),
        ("telemetry", body(samples=big), "too_large"),
    ]
