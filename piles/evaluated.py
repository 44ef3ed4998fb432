"""What the evaluator hands to whoever reacts to an evaluation (alerts, sealing)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

PileStatus = Literal["in_progress", "complete", "incomplete"]


@dataclass(frozen=True)
class EvaluatedPile:
    site: str
    pile: str
    rig: str | None
    status: PileStatus
    # True once the pile has ended (pile_end, or silence → incomplete): verdict is set.
    final: bool
    revision: int
    verdict: Literal["pass", "fail"] | None
    # Each: {"rule", "severity", "depth_top_m", "depth_bottom_m", "value", "limit", "message"}
    # (analytics.findings.Finding.to_dict()).
    findings: list[dict[str, Any]]
    # Live bins that closed since the previous evaluation (indexes on the bin grid); alerts
    # for bin rules are raised for these before the pile ends.
    closed_bins: list[int]
    bin_m: float
    summary: dict[str, Any]
