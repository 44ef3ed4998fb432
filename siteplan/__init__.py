"""Site plans (contract §2): the piles planned before the rigs arrive."""

from siteplan.csv_format import PlanError, PlannedPile, PlanRowError, parse_plan_csv

__all__ = ["PlanError", "PlanRowError", "PlannedPile", "parse_plan_csv"]
