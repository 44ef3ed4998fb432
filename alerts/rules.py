"""The alert rules: one per check of domain §4, plus ``rig_silent`` and ``rig_offline``.

Rule names are the ``analytics`` ``Finding.rule`` names. Every rule has settings common to
all rules and its own fields: the ``AcceptanceLimits`` fields it owns (the check's limits)
and, for the rig rules, their parameters. Limits used by several checks live in the
pseudo-rule ``common``.

Common settings of every rule:

- ``enabled`` (bool): a disabled rule raises no alerts;
- ``severity`` (info / warning / critical): the rule's severity, used for the rig rules and
  for every alert of the rule when ``override_severity`` is true;
- ``override_severity`` (bool, default false): false keeps the severity the check found
  (``bin_cement`` grades info / warning / critical itself);
- ``min_severity`` (default warning): findings below it raise no alert (a bin between 90%
  of design and design is ``info``; an interruption the tool went back over is ``info``);
- ``escalate_after_min`` (minutes or null): an open critical alert not acknowledged
  within this time is escalated.

Scopes say when an alert may be raised: ``live`` whenever the evaluator reports the finding;
``bin`` on a live evaluation only for the bins that just closed, and at pile end;
``pile`` at pile end only; ``rig`` by ``engine.tick``.
"""

from __future__ import annotations

import math
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any, Literal

from analytics.limits import AcceptanceLimits

Severity = Literal["info", "warning", "critical"]
SEVERITIES: tuple[Severity, ...] = ("info", "warning", "critical")
SEVERITY_RANK: dict[str, int] = {"info": 0, "warning": 1, "critical": 2}
Scope = Literal["live", "bin", "pile", "rig"]
COMMON = "common"

ParamValue = float | int | bool | str | None


class RuleIssue(ValueError):
    """One invalid setting: which source, rule and field, the value and why."""

    def __init__(self, source: str, rule: str, field_name: str, value: object, reason: str):
        self.source = source
        self.rule = rule
        self.field = field_name
        self.value = value
        self.reason = reason
        super().__init__(f"{source}: rule {rule!r} field {field_name!r} = {value!r}: {reason}")


class RulesError(ValueError):
    """All the problems found while loading a rule set (nothing is half-applied)."""

    def __init__(self, issues: list[RuleIssue]) -> None:
        self.issues = issues
        lines = "\n".join(f"  {i}" for i in issues)
        super().__init__(f"{len(issues)} invalid alert rule setting(s):\n{lines}")


@dataclass(frozen=True, slots=True)
class RuleSpec:
    name: str
    scope: Scope
    default_severity: Severity
    limit_fields: tuple[str, ...] = ()
    params: Mapping[str, ParamValue] = field(default_factory=dict)
    description: str = ""


RULES: dict[str, RuleSpec] = {
    spec.name: spec
    for spec in (
        RuleSpec(
            "bin_cement",
            "bin",
            "critical",
            ("bin_warning_fraction", "bin_critical_fraction"),
            description="cement per metre of a bin below design (warning < 90%, critical < 75%)",
        ),
        RuleSpec(
            "stroke_cement",
            "bin",
            "warning",
            ("stroke_min_fraction",),
            description="cement per metre of one stroke below its share of design",
        ),
        RuleSpec(
            "total_cement",
            "pile",
            "critical",
            ("total_cement_fraction",),
            description="total cement below design per metre × design length",
        ),
        RuleSpec("depth", "pile", "critical", ("depth_tolerance_m",), description="pile too short"),
        RuleSpec(
            "withdrawal_speed",
            "live",
            "warning",
            ("max_withdrawal_spraying_m_min",),
            description="withdrawal while spraying faster than the limit",
        ),
        RuleSpec(
            "withdrawal_speed_low",
            "live",
            "warning",
            ("min_withdrawal_spraying_m_min",),
            description="withdrawal while spraying slower than the limit (three-axis)",
        ),
        RuleSpec(
            "penetration_speed",
            "live",
            "warning",
            ("max_penetration_m_min",),
            description="penetration faster than the limit",
        ),
        RuleSpec(
            "penetration_speed_low",
            "live",
            "warning",
            ("min_penetration_m_min",),
            description="penetration slower than the limit (three-axis)",
        ),
        RuleSpec(
            "pressure",
            "live",
            "warning",
            ("pressure_min_mpa", "pressure_max_mpa"),
            description="pump pressure outside its range",
        ),
        RuleSpec("wc", "live", "warning", ("wc_min", "wc_max"), description="w/c out of range"),
        RuleSpec(
            "density",
            "live",
            "warning",
            ("density_min_kg_l", "density_max_kg_l"),
            description="slurry density out of range",
        ),
        RuleSpec(
            "density_mean",
            "live",
            "warning",
            ("density_design_tolerance_kg_l",),
            description="mean density while spraying below the mix design",
        ),
        RuleSpec("tilt", "live", "warning", ("max_tilt_deg",), description="mast inclination"),
        RuleSpec(
            "bottom_dwell",
            "pile",
            "warning",
            ("min_bottom_dwell_s", "bottom_band_m"),
            description="too short a dwell at the bottom before lifting",
        ),
        RuleSpec(
            "slurry_interruption",
            "live",
            "critical",
            ("interruption_overlap_m", "interruption_min_move_m", "interruption_top_m"),
            description="slurry stopped while the tool moved, restart without overlap (断浆)",
        ),
        RuleSpec(
            "blade_passes",
            "bin",
            "warning",
            ("min_blade_passes_per_m", "mixing_rule"),
            description="blade passes T per metre below the minimum (EN 14679)",
        ),
        RuleSpec(
            "mixing_count",
            "bin",
            "warning",
            ("min_mixing_count",),
            description="mixing count M below the minimum",
        ),
        RuleSpec(
            "process_passes",
            "pile",
            "critical",
            ("check_process_passes",),
            description="fewer mixing or spraying passes than the process code asks",
        ),
        RuleSpec("position", "pile", "warning", ("max_position_mm",), description="pile off plan"),
        RuleSpec(
            "rig_daily_slurry",
            "live",
            "warning",
            ("max_rig_daily_slurry_m3",),
            description="more slurry by one rig in 24 h than the limit",
        ),
        RuleSpec(
            "rig_silent",
            "rig",
            "warning",
            params={"after_min": 5.0},
            description="no samples from the rig for after_min minutes while a pile is open",
        ),
        RuleSpec(
            "rig_offline",
            "rig",
            "critical",
            params={"after_min": 1.0, "only_in_progress": True},
            description="the rig reports offline (or its last will) for after_min minutes;"
            " only while a pile is in progress unless only_in_progress is false",
        ),
    )
}

COMMON_LIMIT_FIELDS = ("spray_min_flow_l_min", "min_violation_s", "max_findings_per_rule")

LIMIT_OWNER: dict[str, str] = {
    name: spec.name for spec in RULES.values() for name in spec.limit_fields
} | {name: COMMON for name in COMMON_LIMIT_FIELDS}

_LIMIT_TYPES: dict[str, Any] = typing.get_type_hints(AcceptanceLimits)
_missing = {f.name for f in fields(AcceptanceLimits)} - set(LIMIT_OWNER)
if _missing:  # pragma: no cover - a new AcceptanceLimits field needs an owner here
    raise RuntimeError(f"AcceptanceLimits fields without an alert rule: {sorted(_missing)}")

DEFAULT_ESCALATE_AFTER_MIN = 15.0
BASE_KEYS = ("enabled", "severity", "override_severity", "min_severity", "escalate_after_min")


@dataclass(frozen=True, slots=True)
class RuleConfig:
    """A rule's effective settings for one site and pile type."""

    name: str
    enabled: bool
    severity: Severity
    override_severity: bool
    min_severity: Severity
    escalate_after_min: float | None
    # The rule's AcceptanceLimits fields and its parameters.
    params: Mapping[str, ParamValue]

    def alert_severity(self, found: str | None) -> Severity | None:
        """The severity of an alert for a finding of severity ``found``; None: no alert."""
        if found in SEVERITY_RANK and SEVERITY_RANK[found] < SEVERITY_RANK[self.min_severity]:
            return None
        if self.override_severity or found not in SEVERITY_RANK:
            return self.severity
        return typing.cast(Severity, found)

    def param(self, name: str) -> ParamValue:
        return self.params[name]

    def to_dict(self) -> dict[str, object]:
        return {
            "enabled": self.enabled,
            "severity": self.severity,
            "override_severity": self.override_severity,
            "min_severity": self.min_severity,
            "escalate_after_min": self.escalate_after_min,
            **dict(self.params),
        }


def scope_of(rule: str) -> Scope:
    """Scope of a rule; a rule the catalogue does not know (a newer analytics) is ``live``."""
    spec = RULES.get(rule)
    return spec.scope if spec is not None else "live"


def _check_number(source: str, rule: str, name: str, value: object, nullable: bool) -> None:
    if value is None:
        if not nullable:
            raise RuleIssue(source, rule, name, value, "must not be null")
        return
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise RuleIssue(source, rule, name, value, "must be a number")
    if not math.isfinite(value) or value < 0:
        raise RuleIssue(source, rule, name, value, "must be a finite number ≥ 0")


def check_limit_value(source: str, rule: str, name: str, value: object) -> None:
    hint = _LIMIT_TYPES[name]
    args = typing.get_args(hint)
    nullable = type(None) in args
    base = [a for a in args if a is not type(None)] if args else [hint]
    if typing.get_origin(hint) is Literal:
        if value not in args:
            raise RuleIssue(source, rule, name, value, f"must be one of {list(args)}")
        return
    kind = base[0] if base else hint
    if kind is bool:
        if not isinstance(value, bool):
            raise RuleIssue(source, rule, name, value, "must be true or false")
    elif kind is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise RuleIssue(source, rule, name, value, "must be an integer")
        _check_number(source, rule, name, value, nullable)
    else:
        _check_number(source, rule, name, value, nullable)


def check_setting(source: str, rule: str, name: str, value: object) -> None:
    """Raise ``RuleIssue`` unless ``value`` is valid for field ``name`` of ``rule``."""
    if rule == COMMON:
        if name not in COMMON_LIMIT_FIELDS:
            raise RuleIssue(
                source, rule, name, value, f"unknown; known: {list(COMMON_LIMIT_FIELDS)}"
            )
        check_limit_value(source, rule, name, value)
        return
    spec = RULES.get(rule)
    if spec is None:
        raise RuleIssue(source, rule, name, value, f"unknown rule; known: {sorted(RULES)}")
    if name in ("enabled", "override_severity"):
        if not isinstance(value, bool):
            raise RuleIssue(source, rule, name, value, "must be true or false")
    elif name in ("severity", "min_severity"):
        if value not in SEVERITIES:
            raise RuleIssue(source, rule, name, value, f"must be one of {list(SEVERITIES)}")
    elif name == "escalate_after_min":
        _check_number(source, rule, name, value, nullable=True)
    elif name in spec.limit_fields:
        check_limit_value(source, rule, name, value)
    elif name in spec.params:
        default = spec.params[name]
        if isinstance(default, bool):
            if not isinstance(value, bool):
                raise RuleIssue(source, rule, name, value, "must be true or false")
        else:
            _check_number(source, rule, name, value, nullable=False)
    else:
        known = [*BASE_KEYS, *spec.limit_fields, *spec.params]
        raise RuleIssue(source, rule, name, value, f"unknown field; known: {known}")


def default_settings(rule: str, base_limits: AcceptanceLimits) -> dict[str, ParamValue]:
    spec = RULES[rule]
    out: dict[str, ParamValue] = {
        "enabled": True,
        "severity": spec.default_severity,
        "override_severity": False,
        "min_severity": "warning",
        "escalate_after_min": DEFAULT_ESCALATE_AFTER_MIN,
    }
    for name in spec.limit_fields:
        out[name] = getattr(base_limits, name)
    out.update(spec.params)
    return out


def rule_config(rule: str, settings: Mapping[str, ParamValue]) -> RuleConfig:
    params = {k: v for k, v in settings.items() if k not in BASE_KEYS}
    esc = settings["escalate_after_min"]
    return RuleConfig(
        name=rule,
        enabled=bool(settings["enabled"]),
        severity=typing.cast(Severity, settings["severity"]),
        override_severity=bool(settings["override_severity"]),
        min_severity=typing.cast(Severity, settings["min_severity"]),
        escalate_after_min=None if esc is None else float(esc),
        params=params,
    )


def default_rule(rule: str) -> RuleConfig:
    """Settings for a rule name the catalogue does not know: enabled, severity as found."""
    return RuleConfig(rule, True, "warning", False, "warning", DEFAULT_ESCALATE_AFTER_MIN, {})
