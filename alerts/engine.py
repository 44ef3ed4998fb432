"""Findings → alerts, and the timed rules (rig silent, rig offline, escalation).

``apply_evaluation`` is called by the evaluator inside the transaction that stores an
evaluation; ``tick`` by a timer (every 15–60 s). Both return the changes they made; every
change is already in ``alert_history`` and ``alert_events`` and notified.

Identity: an alert is one (site, pile, rule, depth interval). A finding whose interval
overlaps an open or acknowledged alert of the same pile and rule updates that alert (value,
limit, message, severity only ever rising, the interval widened to cover both) rather than
raising a second one. Touching intervals (neighbouring bins) are different alerts.

No flapping: when an evaluation that covers an alert's interval no longer reports it, the
alert gets ``recovered_at`` and stays open (a supervisor resolves it); if it fails again
``recovered_at`` is cleared ("relapsed"). Nothing is auto-resolved.

Resolved alerts: a finding overlapping a resolved alert of the same rule raises a new alert
only if its severity is above the resolved one's (a supervisor already dealt with it).

Rig offline (decision): alerted only while the rig has a pile in progress (the live watch of
that pile is lost), unless the rule's ``only_in_progress`` is false, then also for an idle
rig (alert without a pile). Escalation counts from ``raised_at``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from alerts import timed
from alerts.rulebook import Rulebook, RuleSet
from alerts.rules import SEVERITY_RANK, scope_of
from alerts.store import (
    ACTIVE_STATES,
    SYSTEM_ACTOR,
    AlertChange,
    Conn,
    Row,
    finite,
    insert_alert,
    update_alert,
)
from piles.evaluated import EvaluatedPile

EPS = 1e-6
TICK_LOCK_KEY = 0x414C5254  # "ALRT"
ACTOR = SYSTEM_ACTOR


def overlaps(
    a_top: float | None, a_bottom: float | None, b_top: float | None, b_bottom: float | None
) -> bool:
    """Same depth interval: both without one, equal, or overlapping by more than EPS."""
    if a_top is None or a_bottom is None or b_top is None or b_bottom is None:
        return a_top is None and b_top is None
    if abs(a_top - b_top) <= EPS and abs(a_bottom - b_bottom) <= EPS:
        return True
    return min(a_bottom, b_bottom) - max(a_top, b_top) > EPS


def bins_of(top: float, bottom: float, bin_m: float) -> range:
    """Indices of the grid bins k·bin_m an interval touches (at least the bin holding top)."""
    first = math.floor((top + EPS) / bin_m)
    last = max(first, math.ceil((bottom - EPS) / bin_m) - 1)
    return range(first, last + 1)


def in_closed_bins(finding: Mapping[str, Any], closed: set[int], bin_m: float) -> bool:
    top, bottom = finding.get("depth_top_m"), finding.get("depth_bottom_m")
    if top is None or bottom is None:
        return False
    return all(k in closed for k in bins_of(float(top), float(bottom), bin_m))


def pile_types_for(conn: Conn, site: str, pile: str, summary: Mapping[str, Any]) -> list[str]:
    """A pile's types for rule lookup: its rig kind (``summary["rig_kind"]``) then its
    process code from the site plan."""
    out: list[str] = []
    kind = summary.get("rig_kind")
    if isinstance(kind, str) and kind:
        out.append(kind)
    row = conn.execute(
        "SELECT process FROM planned_piles WHERE site_id = %s AND pile_id = %s", (site, pile)
    ).fetchone()
    if row is not None and row["process"]:
        out.append(str(row["process"]))
    return out


def _candidates(evaluated: EvaluatedPile, ruleset: RuleSet) -> list[tuple[Mapping[str, Any], str]]:
    closed = set(evaluated.closed_bins)
    out: list[tuple[Mapping[str, Any], str]] = []
    for f in evaluated.findings:
        rule = str(f["rule"])
        cfg = ruleset.rule(rule)
        scope = scope_of(rule)
        if not cfg.enabled or scope == "rig":
            continue
        if not evaluated.final and (
            scope == "pile" or (scope == "bin" and not in_closed_bins(f, closed, evaluated.bin_m))
        ):
            continue
        sev = cfg.alert_severity(f.get("severity"))
        if sev is not None:
            out.append((f, sev))
    out.sort(key=lambda c: (str(c[0]["rule"]), c[0].get("depth_top_m") or -1.0))
    return out


def _covered(alert: Row, evaluated: EvaluatedPile, ruleset: RuleSet) -> bool:
    """Did this evaluation look at the alert's interval for its rule (so silence = ok)?"""
    scope = scope_of(str(alert["rule"]))
    if scope == "rig" or not ruleset.rule(str(alert["rule"])).enabled:
        return False
    if evaluated.final or scope == "live":
        return True
    if scope == "bin":
        return in_closed_bins(alert, set(evaluated.closed_bins), evaluated.bin_m)
    return False


def apply_evaluation(
    conn: Conn,
    evaluated: EvaluatedPile,
    rulebook: Rulebook,
    now: datetime,
    *,
    pile_types: Sequence[str] | None = None,
) -> list[AlertChange]:
    """Raise, update and mark recovered the alerts of one evaluated pile.

    ``pile_types`` defaults to ``pile_types_for`` (rig kind from the summary, process code
    from the plan). Live bin findings count only for ``evaluated.closed_bins``."""
    site, pile = evaluated.site, evaluated.pile
    changes: list[AlertChange] = []
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"alerts/{site}/{pile}",))
        types = (
            list(pile_types)
            if pile_types is not None
            else pile_types_for(conn, site, pile, evaluated.summary)
        )
        ruleset = rulebook.for_pile(site, types)
        existing: list[Row] = conn.execute(
            "SELECT * FROM alerts WHERE site_id = %s AND pile_id = %s ORDER BY id FOR UPDATE",
            (site, pile),
        ).fetchall()
        touched: set[int] = set()
        for finding, severity in _candidates(evaluated, ruleset):
            change = _apply_finding(
                conn, existing, evaluated, ruleset, finding, severity, touched, now
            )
            if change is not None:
                changes.append(change)
        for alert in existing:
            if (
                alert["state"] in ACTIVE_STATES
                and alert["id"] not in touched
                and alert["recovered_at"] is None
                and _covered(alert, evaluated, ruleset)
            ):
                changes.append(
                    update_alert(conn, alert, {"recovered_at": now}, "recovered", ACTOR, now)
                )
    return changes


def _apply_finding(
    conn: Conn,
    existing: list[Row],
    evaluated: EvaluatedPile,
    ruleset: RuleSet,
    f: Mapping[str, Any],
    severity: str,
    touched: set[int],
    now: datetime,
) -> AlertChange | None:
    rule = str(f["rule"])
    top, bottom = f.get("depth_top_m"), f.get("depth_bottom_m")
    same_rule = [a for a in existing if a["rule"] == rule]
    hits = [a for a in same_rule if overlaps(a["depth_top_m"], a["depth_bottom_m"], top, bottom)]
    active = [a for a in hits if a["state"] in ACTIVE_STATES]
    if not active:
        resolved = [a for a in hits if a["state"] == "resolved"]
        if any(SEVERITY_RANK[a["severity"]] >= SEVERITY_RANK[severity] for a in resolved):
            return None
        change = insert_alert(
            conn,
            {
                "site_id": evaluated.site,
                "rig_id": evaluated.rig,
                "pile_id": evaluated.pile,
                "rule": rule,
                "severity": severity,
                "depth_top_m": top,
                "depth_bottom_m": bottom,
                "value": f.get("value"),
                "limit_value": f.get("limit"),
                "message": str(f.get("message") or rule),
                "rules_digest": ruleset.digest,
                "pile_revision": evaluated.revision,
            },
            ACTOR,
            now,
        )
        row = conn.execute("SELECT * FROM alerts WHERE id = %s", (change.alert_id,)).fetchone()
        assert row is not None
        existing.append(row)
        touched.add(change.alert_id)
        return change
    alert = active[0]
    touched.add(int(alert["id"]))
    new: dict[str, Any] = {
        "value": finite(f.get("value")),
        "limit_value": finite(f.get("limit")),
        "message": str(f.get("message") or rule),
        "rig_id": evaluated.rig or alert["rig_id"],
    }
    if SEVERITY_RANK[severity] > SEVERITY_RANK[alert["severity"]]:
        new["severity"] = severity
    if top is not None and bottom is not None and alert["depth_top_m"] is not None:
        wide = (min(alert["depth_top_m"], top), max(alert["depth_bottom_m"], bottom))
        clash = any(
            a is not alert
            and a["state"] in ACTIVE_STATES
            and (a["depth_top_m"], a["depth_bottom_m"]) == wide
            for a in same_rule
        )
        if not clash:
            new["depth_top_m"], new["depth_bottom_m"] = wide
    action = "updated"
    if alert["recovered_at"] is not None:
        new["recovered_at"] = None
        action = "relapsed"
    diff = {k: v for k, v in new.items() if not _same(alert.get(k), v)}
    if not diff:
        return None
    diff["pile_revision"] = evaluated.revision
    diff["rules_digest"] = ruleset.digest
    change = update_alert(conn, alert, diff, action, ACTOR, now)
    alert.update(diff)
    return change


def _same(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
    return a == b


def tick(conn: Conn, rulebook: Rulebook, now: datetime) -> list[AlertChange]:
    """Rig silent, rig offline and escalation at time ``now`` (one ticker at a time)."""
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (TICK_LOCK_KEY,))
        out = [c for c in timed.silent(conn, rulebook, now) if c is not None]
        out += [c for c in timed.offline(conn, rulebook, now) if c is not None]
        out += list(timed.escalate(conn, rulebook, now))
    return out
