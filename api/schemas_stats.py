"""Response models of `GET /api/v1/sites/{site}/statistics`."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field


class DistributionOut(BaseModel):
    piles: int
    # Values at the percentiles listed in StatisticsOut.percentiles (null without data).
    cement_kg_m: list[float | None]
    cv: list[float | None]
    cu: list[float | None]
    pass_rate: float | None


class DayDistribution(DistributionOut):
    day: date


class RigDistribution(DistributionOut):
    rig: str


class ChartPoint(BaseModel):
    pile: str
    ended_at: datetime
    value: float | None
    ucl: float | None
    lcl: float | None
    out_of_control: bool


class ChartOut(BaseModel):
    centre: float | None
    sigma: float | None
    points: list[ChartPoint]


class ChartPair(BaseModel):
    shewhart: ChartOut | None
    ewma: ChartOut | None


class ControlCharts(BaseModel):
    cv: ChartPair
    cement_kg_m: ChartPair


class PeriodOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    from_: date = Field(alias="from")
    to: date


class TrendOut(BaseModel):
    before: PeriodOut
    after: PeriodOut
    mean_cv_before: float | None
    mean_cv_after: float | None
    cv_change_pct: float | None
    mean_cu_before: float | None
    mean_cu_after: float | None
    cu_change_pct: float | None
    conclusion: str


class RigComparisonOut(BaseModel):
    rig: str
    against: str
    quantity: str
    statistic: float | None
    p_value: float | None
    n_rig: int
    n_other: int
    median_rig: float | None
    median_other: float | None
    conclusion: str


class StatisticsOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    site: str
    from_: date | None = Field(alias="from")
    to: date | None
    piles: int
    percentiles: list[float]
    overall: DistributionOut
    by_day: list[DayDistribution]
    by_rig: list[RigDistribution]
    control_charts: ControlCharts
    uniformity_trend: TrendOut | None
    rig_comparison: list[RigComparisonOut]
