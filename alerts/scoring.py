"""Precision and recall of the alerts a scenario run raised, against its ground truth.

An alert matches a ground-truth entry when they are on the same pile (and rig, when the
alert names one), the entry's kind maps to the alert's rule (``ACCEPTED``), and their depth
intervals overlap within ``tolerance_m`` (an alert without an interval, a rig rule, matches
on the pile alone; so does a truth entry covering the whole pile).

Per rule: precision = alerts of the rule that match some entry / alerts of the rule;
recall = entries whose primary rule (``PRIMARY``) is this rule and that some alert of an
accepted rule matched / entries whose primary rule it is. Kinds without a primary rule are
faults the system must absorb without alarms (reboots, clock skew, duplicates, malformed
messages, an interruption that was covered): an alert on them counts against precision.
So does an entry whose ``detail`` says ``expect_alert: false`` (a fault below its rule's
threshold, e.g. a link outage shorter than ``rig_silent``'s delay, with store and forward):
it is no miss, and nothing may alarm on it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from simulators.scenarios import GroundTruth

# The rule that must fire for a kind of fault (recall is counted there).
PRIMARY: dict[str, str] = {
    "under_dosage": "bin_cement",
    "slurry_interruption_gap": "slurry_interruption",
    "withdrawal_too_fast": "withdrawal_speed",
    "short_pile": "depth",
    "no_dwell": "bottom_dwell",
    "wc_drift": "wc",
    "density_drift": "density",
    "tilt": "tilt",
    "pressure_out_of_range": "pressure",
    "missing_passes": "process_passes",
    "link_outage": "rig_silent",
    "rig_offline": "rig_offline",
}
# Every rule whose alert is a true detection of the kind (the primary one included).
# Secondary rules are listed only where the fault physically causes what they measure
# (cement = V·ρ/(1 + w/c), domain §3):
# - slurry_interruption_gap: the gap got no slurry on that stroke, so its bins lack cement
#   and a spraying pass (process_passes counts spraying passes per bin);
# - withdrawal_too_fast: the pump runs unchanged while the tool rises faster, so fewer litres
#   per metre reach those bins (bin_cement, stroke_cement, and the pile's total_cement), and
#   fewer revolutions per metre (blade_passes, mixing_count);
# - wc_drift: more water per litre of slurry is less cement per litre, at unchanged flow
#   less cement per metre (bin_cement, stroke_cement, total_cement); thinner slurry is lighter
#   (density, density_mean);
# - density_drift: a lighter slurry at the same w/c carries less cement per litre (ρ in the
#   formula), so the same bins and totals fall short.
ACCEPTED: dict[str, frozenset[str]] = {
    kind: frozenset({rule, *extra})
    for kind, rule, extra in (
        ("under_dosage", "bin_cement", ("total_cement", "stroke_cement")),
        (
            "slurry_interruption_gap",
            "slurry_interruption",
            ("bin_cement", "stroke_cement", "process_passes"),
        ),
        (
            "withdrawal_too_fast",
            "withdrawal_speed",
            ("blade_passes", "mixing_count", "bin_cement", "stroke_cement", "total_cement"),
        ),
        ("short_pile", "depth", ("total_cement",)),
        ("no_dwell", "bottom_dwell", ()),
        (
            "wc_drift",
            "wc",
            ("density", "density_mean", "bin_cement", "stroke_cement", "total_cement"),
        ),
        (
            "density_drift",
            "density",
            ("density_mean", "bin_cement", "stroke_cement", "total_cement"),
        ),
        ("tilt", "tilt", ()),
        ("pressure_out_of_range", "pressure", ()),
        ("missing_passes", "process_passes", ("blade_passes", "mixing_count")),
        ("link_outage", "rig_silent", ()),
        ("rig_offline", "rig_offline", ("rig_silent",)),
    )
}


@dataclass(frozen=True, slots=True)
class RaisedAlert:
    rig: str | None
    pile: str | None
    rule: str
    depth_top_m: float | None
    depth_bottom_m: float | None


@dataclass(frozen=True, slots=True)
class RuleScore:
    rule: str
    alerts: int
    true_alerts: int
    truths: int
    found: int

    @property
    def precision(self) -> float | None:
        return self.true_alerts / self.alerts if self.alerts else None

    @property
    def recall(self) -> float | None:
        return self.found / self.truths if self.truths else None


def expects_alert(truth: GroundTruth) -> bool:
    """False for an entry that must raise nothing (``detail.expect_alert`` false)."""
    return truth.detail.get("expect_alert", True) is not False


def primary_rule(truth: GroundTruth) -> str | None:
    """The rule whose recall counts this entry; None if it expects no alert."""
    return PRIMARY.get(truth.kind) if expects_alert(truth) else None


def matches(alert: RaisedAlert, truth: GroundTruth, tolerance_m: float = 0.5) -> bool:
    if not expects_alert(truth):
        return False
    if alert.pile != truth.pile or (alert.rig is not None and alert.rig != truth.rig):
        return False
    if alert.rule not in ACCEPTED.get(truth.kind, frozenset()):
        return False
    if alert.depth_top_m is None or alert.depth_bottom_m is None:
        return True
    return (
        alert.depth_top_m <= truth.depth_bottom_m + tolerance_m
        and alert.depth_bottom_m >= truth.depth_top_m - tolerance_m
    )


def score(
    alerts: Sequence[RaisedAlert], truth: Sequence[GroundTruth], tolerance_m: float = 0.5
) -> list[RuleScore]:
    """One row per rule that raised an alert or is some kind's primary rule, by name."""
    primary = [(t, primary_rule(t)) for t in truth]
    rules = sorted({a.rule for a in alerts} | {r for _, r in primary if r is not None})
    out: list[RuleScore] = []
    for rule in rules:
        mine = [a for a in alerts if a.rule == rule]
        true_alerts = sum(1 for a in mine if any(matches(a, t, tolerance_m) for t in truth))
        wanted = [t for t, r in primary if r == rule]
        found = sum(1 for t in wanted if any(matches(a, t, tolerance_m) for a in alerts))
        out.append(RuleScore(rule, len(mine), true_alerts, len(wanted), found))
    return out


def total(scores: Iterable[RuleScore]) -> RuleScore:
    rows = list(scores)
    return RuleScore(
        "all",
        sum(r.alerts for r in rows),
        sum(r.true_alerts for r in rows),
        sum(r.truths for r in rows),
        sum(r.found for r in rows),
    )


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def format_table(scores: Sequence[RuleScore]) -> str:
    header = ("rule", "alerts", "true", "precision", "truths", "found", "recall")
    body = [
        (
            s.rule,
            str(s.alerts),
            str(s.true_alerts),
            _pct(s.precision),
            str(s.truths),
            str(s.found),
            _pct(s.recall),
        )
        for s in [*scores, total(scores)]
    ]
    widths = [max(len(row[i]) for row in [header, *body]) for i in range(len(header))]

    def line(row: Sequence[str]) -> str:
        cells = [row[0].ljust(widths[0])] + [
            c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)
        ]
        return "  ".join(cells).rstrip()

    rule_line = "  ".join("-" * w for w in widths)
    return "\n".join([line(header), rule_line, *(line(r) for r in body[:-1]), rule_line,
                      line(body[-1])])  # fmt: skip
