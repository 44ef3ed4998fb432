"""Evaluate one pile from its stored telemetry and store the result; raise its alerts in the
same transaction.

Live dosage rule: while the pile is in progress, a bin's cement is checked once the bin has
received every spraying pass the process asks for (4S2P: two) and the tool has left it, so a
deficit is known as the last spraying stroke leaves the bin, not at pile end.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import Any

from alerts.engine import apply_evaluation, pile_types_for
from alerts.rulebook import Rulebook
from analytics.checks import check_bin_cement
from analytics.evaluation import DEFAULT_DESIGN, VERSION, PileEvaluation, evaluate_pile
from analytics.findings import Finding
from analytics.limits import SINGLE_DOUBLE_AXIS, AcceptanceLimits
from analytics.live import closed_bins, interruption_held_bins
from analytics.placement import check_position, check_rig_daily_slurry
from analytics.series import PileSeries
from piles.evaluated import EvaluatedPile, PileStatus
from piles.repository import (
    Conn,
    PileEvents,
    PileSamples,
    load_events,
    load_planned,
    load_samples,
)
from siteplan.csv_format import PlannedPile

log = logging.getLogger(__name__)

DEFAULT_BIN_M = 0.5


def live_closed_bins(
    evaluation: PileEvaluation,
    samples_series: PileSeries,
    design: PlannedPile,
    bin_m: float,
    limits: AcceptanceLimits = SINGLE_DOUBLE_AXIS,
) -> tuple[list[int], list[int]]:
    """(bins the tool has left on its current stroke, bins whose spraying is complete).

    Bins an open slurry interruption may still make good (the operator going back over the
    stop) are not complete yet (``analytics.live.interruption_held_bins``)."""
    left = set(closed_bins(samples_series, bin_m, set()))
    profile = evaluation.profile
    needed = max(design.spraying_passes, 1)
    sprayed = {
        round(float(top) / bin_m)
        for top, passes in zip(profile.top_m, profile.spraying_passes, strict=True)
        if int(passes) >= needed
    }
    # A bin the tool is in right now may still get slurry on this stroke.
    current = int(float(samples_series.depth_m[-1]) // bin_m) if len(samples_series) else -1
    held = interruption_held_bins(
        samples_series,
        bin_m,
        spray_min_flow_l_min=limits.spray_min_flow_l_min,
        overlap_m=limits.interruption_overlap_m,
        top_m=limits.interruption_top_m,
        bottom_band_m=limits.bottom_band_m,
    )
    done = sorted(k for k in sprayed if k != current and k not in held)
    return sorted(left), done


def _placement_findings(
    conn: Conn,
    plan: PlannedPile | None,
    events: PileEvents,
    samples: PileSamples,
    evaluation: PileEvaluation,
    limits: AcceptanceLimits,
    site: str,
    pile: str,
) -> list[Finding]:
    """Position against the plan (from the measured pile_start x, y) and the rig's slurry over
    the 24 h ending at this pile's last sample (this pile plus the rig's other piles)."""
    found: list[Finding] = []
    if plan is not None and events.start_x_m is not None and events.start_y_m is not None:
        found += check_position(events.start_x_m, events.start_y_m, plan.x_m, plan.y_m, limits)
    if samples.rig is not None:
        row = conn.execute(
            """
            SELECT coalesce(sum((b->>'slurry_l_m')::float8
                                * ((b->>'bottom_m')::float8 - (b->>'top_m')::float8)), 0) AS l
            FROM piles p, jsonb_array_elements(p.profile) b
            WHERE p.rig_id = %s AND NOT (p.site_id = %s AND p.pile_id = %s)
              AND p.last_sample_t > %s - interval '24 hours' AND p.last_sample_t <= %s
            """,
            (samples.rig, site, pile, samples.last_t, samples.last_t),
        ).fetchone()
        others_l = float(row["l"]) if row is not None else 0.0
        this_l = sum(b.slurry_l_m * (b.bottom_m - b.top_m) for b in evaluation.bins)
        found += check_rig_daily_slurry(others_l + this_l, limits)
    return found


def evaluate_and_store(
    conn: Conn,
    site: str,
    pile: str,
    *,
    rulebook: Rulebook,
    now: datetime,
    close_as: PileStatus | None = None,
    bin_m: float = DEFAULT_BIN_M,
) -> EvaluatedPile | None:
    """Re-evaluate `pile` from raw telemetry. `close_as="incomplete"` ends a pile whose rig went
    silent. Returns None for a pile with neither samples nor events."""
    samples = load_samples(conn, site, pile)
    events = load_events(conn, site, pile)
    if samples is None and events.started_at is None and events.ended_at is None:
        return None
    plan = load_planned(conn, site, pile)
    current = conn.execute(
        "SELECT status FROM piles WHERE site_id = %s AND pile_id = %s", (site, pile)
    ).fetchone()
    status: PileStatus
    if events.ended_at is not None:
        status = "complete"
    elif close_as is not None:
        status = close_as
    elif current is not None and current["status"] == "incomplete":
        status = "incomplete"  # late samples of a closed pile re-evaluate it, still closed
    else:
        status = "in_progress"
    final = status != "in_progress"
    rig = (samples.rig if samples else None) or events.rig
    pile_types = pile_types_for(conn, site, pile, {})
    ruleset = rulebook.for_pile(site, pile_types)
    findings: list[dict[str, Any]] = []
    closed: list[int] = []
    summary: dict[str, Any] = {}
    evaluation: PileEvaluation | None = None
    if samples is not None:
        evaluation = evaluate_pile(samples.series, plan, ruleset.limits, bin_m, final)
        findings = [f.to_dict() for f in evaluation.findings]
        summary = dict(evaluation.summary())
        if not final:
            design = plan if plan is not None else DEFAULT_DESIGN
            left, sprayed = live_closed_bins(
                evaluation, samples.series, design, bin_m, ruleset.limits
            )
            live_bins = [k for k in sprayed if k < evaluation.profile.bin_count]
            findings += [
                f.to_dict()
                for f in check_bin_cement(
                    evaluation.profile, design.design_cement_kg_m, ruleset.limits, only=live_bins
                )
            ]
            closed = sorted(set(left) | set(live_bins))
        findings += [
            f.to_dict()
            for f in _placement_findings(
                conn, plan, events, samples, evaluation, ruleset.limits, site, pile
            )
        ]
    with conn.transaction():
        row = conn.execute(
            """
            INSERT INTO piles AS p (site_id, pile_id, rig_id, status, started_at, ended_at,
                last_sample_t, samples, depth_reached_m, design_length_m, cement_total_kg, cv, cu,
                du_lq, min_ratio, verdict, reasons, score, grade, unplanned, bin_m,
                analytics_version, rules_digest, summary, profile, findings, cleaning,
                evaluated_at, revision)
            VALUES (%(site)s, %(pile)s, %(rig)s, %(status)s, %(started)s, %(ended)s, %(last)s,
                %(samples)s, %(depth)s, %(design_length)s, %(cement)s, %(cv)s, %(cu)s, %(du)s,
                %(min_ratio)s, %(verdict)s, %(reasons)s, %(score)s, %(grade)s, %(unplanned)s,
                %(bin_m)s, %(version)s, %(digest)s, %(summary)s, %(profile)s, %(findings)s,
                %(cleaning)s, %(now)s, 1)
            ON CONFLICT (site_id, pile_id) DO UPDATE SET
                rig_id = excluded.rig_id, status = excluded.status,
                started_at = excluded.started_at, ended_at = excluded.ended_at,
                last_sample_t = excluded.last_sample_t, samples = excluded.samples,
                depth_reached_m = excluded.depth_reached_m,
                design_length_m = excluded.design_length_m,
                cement_total_kg = excluded.cement_total_kg, cv = excluded.cv, cu = excluded.cu,
                du_lq = excluded.du_lq, min_ratio = excluded.min_ratio,
                verdict = excluded.verdict, reasons = excluded.reasons, score = excluded.score,
                grade = excluded.grade, unplanned = excluded.unplanned, bin_m = excluded.bin_m,
                analytics_version = excluded.analytics_version,
                rules_digest = excluded.rules_digest, summary = excluded.summary,
                profile = excluded.profile, findings = excluded.findings,
                cleaning = excluded.cleaning, evaluated_at = excluded.evaluated_at,
                revision = p.revision + 1
            RETURNING revision
            """,
            {
                "site": site,
                "pile": pile,
                "rig": rig,
                "status": status,
                "started": events.started_at or (samples.first_t if samples else None),
                "ended": events.ended_at
                if events.ended_at
                else (samples.last_t if samples and final else None),
                "last": samples.last_t if samples else None,
                "samples": samples.count if samples else 0,
                "depth": evaluation.depth_reached_m if evaluation else None,
                "design_length": plan.design_length_m if plan else None,
                "cement": evaluation.cement_total_kg if evaluation else None,
                "cv": evaluation.cv if evaluation else None,
                "cu": evaluation.cu if evaluation else None,
                "du": evaluation.du_lq if evaluation else None,
                "min_ratio": evaluation.min_ratio if evaluation else None,
                "verdict": evaluation.verdict if evaluation else None,
                "reasons": json.dumps(evaluation.reasons if evaluation else []),
                "score": evaluation.score if evaluation else None,
                "grade": evaluation.grade if evaluation else None,
                "unplanned": plan is None,
                "bin_m": bin_m,
                "version": VERSION,
                "digest": ruleset.digest,
                "summary": json.dumps(summary, default=str),
                "profile": json.dumps(
                    [b.to_dict() for b in evaluation.bins] if evaluation else [], default=str
                ),
                "findings": json.dumps(findings, default=str),
                "cleaning": json.dumps(
                    [
                        {"kind": c.kind, "channel": c.channel, "count": c.count, "detail": c.detail}
                        for c in evaluation.cleaning
                    ]
                    if evaluation
                    else []
                ),
                "now": now,
            },
        ).fetchone()
        assert row is not None
        evaluated = EvaluatedPile(
            site=site,
            pile=pile,
            rig=rig,
            status=status,
            final=final,
            revision=int(row["revision"]),
            verdict=evaluation.verdict if evaluation else None,  # type: ignore[arg-type]
            findings=findings,
            closed_bins=closed,
            bin_m=bin_m,
            summary=summary,
        )
        apply_evaluation(conn, evaluated, rulebook, now, pile_types=pile_types)
        conn.execute(
            "SELECT pg_notify('pilewatch_piles', %s)",
            (f"{site}\t{pile}\t{status}\t{row['revision']}",),
        )
    return evaluated
