"""One call that turns a pile's samples into its summary, profile and findings (contract §3).

``evaluate_pile`` cleans the series, bins it, measures uniformity, scores it and runs every
check. The verdict is 'pass' or 'fail' only for a final pile with a plan; it is None while
the pile is in progress or when it has no plan (then ``reasons`` starts with "unplanned"
and the pile is evaluated against ``DEFAULT_DESIGN`` without depth and total checks).
While not final, pile-level rules (depth, totals, dwell, passes, blade passes, bin cement)
wait: bins are not complete until the tool has finished with them (see ``analytics.live``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from analytics.binning import BinningConfig, DepthBin, DepthProfile, RigGeometry, depth_profile
from analytics.checks import (
    Finding,
    check_bin_cement,
    check_bins_process,
    check_interruptions,
    check_pile_totals,
    check_samples,
    sort_findings,
)
from analytics.cleaning import CleaningConfig, CleaningStep, clean_series
from analytics.limits import SINGLE_DOUBLE_AXIS, AcceptanceLimits
from analytics.scoring import score_profile
from analytics.series import PileSeries
from analytics.uniformity import uniformity
from siteplan.csv_format import PlannedPile

VERSION = "1.0.0"

# Mix design assumed for a pile without a plan row (values typical of §3/§4, not a rule).
DEFAULT_DESIGN = PlannedPile(
    pile="",
    x_m=0.0,
    y_m=0.0,
    design_length_m=0.0,
    diameter_m=0.5,
    design_cement_kg_m=55.0,
    wc=0.55,
    density_kg_l=1.78,
    blades=4,
    process="4S2P",
)


class EvaluationError(ValueError):
    def __init__(self, name: str, value: object, reason: str) -> None:
        self.name = name
        self.value = value
        super().__init__(f"{name} = {value!r}: {reason}")


@dataclass(frozen=True, slots=True)
class PileEvaluation:
    depth_reached_m: float
    design_length_m: float | None
    cement_total_kg: float
    cv: float | None
    cu: float | None
    du_lq: float | None
    min_ratio: float | None
    share_at_design: float | None
    verdict: str | None
    reasons: list[str]
    bin_m: float
    bins: list[DepthBin]
    profile: DepthProfile
    findings: list[Finding]
    cleaning: list[CleaningStep]
    score: float | None
    grade: str | None
    samples: int
    cement_outside_kg: float
    version: str = VERSION
    planned: bool = True
    final: bool = True
    extra: dict[str, float] = field(default_factory=dict)

    def summary(self) -> dict[str, object]:
        """Contract §3 pile summary fields this package knows (plus score and grade)."""
        return {
            "depth_reached_m": self.depth_reached_m,
            "design_length_m": self.design_length_m,
            "cement_total_kg": self.cement_total_kg,
            "cv": self.cv,
            "cu": self.cu,
            "du_lq": self.du_lq,
            "min_ratio": self.min_ratio,
            "verdict": self.verdict,
            "reasons": list(self.reasons),
            "score": self.score,
            "grade": self.grade,
            "analytics_version": self.version,
        }

    def profile_dict(self) -> dict[str, object]:
        """Contract §3 profile: ``{"bin_m", "bins": [...]}``, bins ordered from the top."""
        return {"bin_m": self.bin_m, "bins": [b.to_dict() for b in self.bins]}


def evaluate_pile(
    series: PileSeries,
    plan: PlannedPile | None,
    limits: AcceptanceLimits = SINGLE_DOUBLE_AXIS,
    bin_m: float = 0.5,
    final: bool = True,
    *,
    geometry: RigGeometry | None = None,
    cleaning: CleaningConfig = CleaningConfig(),  # noqa: B008 - frozen
    binning: BinningConfig | None = None,
    score_reference_kg_m: float | None = None,
) -> PileEvaluation:
    if not bin_m > 0:
        raise EvaluationError("bin_m", bin_m, "must be > 0")
    design = plan if plan is not None else DEFAULT_DESIGN
    cleaned = clean_series(series, design.density_kg_l, design.wc, cleaning)
    s = cleaned.series
    geo = geometry if geometry is not None else RigGeometry(blades=design.blades)
    cfg = (
        binning
        if binning is not None
        else BinningConfig(gap_s=cleaning.gap_s, spray_min_flow_l_min=limits.spray_min_flow_l_min)
    )
    profile = depth_profile(s, bin_m, geo, cfg)
    reached = float(s.depth_m.max()) if len(s) else 0.0
    uni = uniformity(profile.cement_kg_m, design.design_cement_kg_m)
    findings: list[Finding] = []
    findings += check_samples(s, limits, design.density_kg_l)
    findings += check_interruptions(s, limits)
    findings += check_bins_process(profile, design, limits, final=final)
    if final:
        findings += check_bin_cement(profile, design.design_cement_kg_m, limits)
        if plan is not None:
            findings += check_pile_totals(s, profile, plan, limits, cfg.gap_s)
    findings = sort_findings(findings)
    ref = score_reference_kg_m if score_reference_kg_m is not None else design.design_cement_kg_m
    score = score_profile(profile, ref)
    failing = [f.message for f in findings if f.fails]
    verdict: str | None = None
    reasons: list[str]
    if plan is None:
        reasons = ["unplanned", *failing]
    elif not final:
        reasons = failing
    else:
        verdict = "fail" if failing else "pass"
        reasons = failing
    return PileEvaluation(
        depth_reached_m=reached,
        design_length_m=plan.design_length_m if plan is not None else None,
        cement_total_kg=profile.cement_total_kg,
        cv=uni.cv,
        cu=uni.cu,
        du_lq=uni.du_lq,
        min_ratio=uni.min_ratio if plan is not None else None,
        share_at_design=uni.share_at_design if plan is not None else None,
        verdict=verdict,
        reasons=reasons,
        bin_m=bin_m,
        bins=profile.bins(),
        profile=profile,
        findings=findings,
        cleaning=cleaned.steps,
        score=score.score,
        grade=score.grade,
        samples=len(series),
        cement_outside_kg=profile.cement_outside_kg,
        planned=plan is not None,
        final=final,
    )
