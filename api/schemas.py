"""Response models: the OpenAPI document describes every field the API returns."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

PileStatus = Literal["planned", "in_progress", "complete", "incomplete"]
Verdict = Literal["pass", "fail"]


class PileSummary(BaseModel):
    pile: str
    site: str
    rig: str | None
    status: PileStatus
    started_at: datetime | None
    ended_at: datetime | None
    samples: int
    depth_reached_m: float | None
    design_length_m: float | None
    cement_total_kg: float | None
    cv: float | None
    cu: float | None
    du_lq: float | None
    min_ratio: float | None
    verdict: Verdict | None
    reasons: list[str]
    # Beyond the contract: a pile a rig built without a plan row, and the platform score.
    unplanned: bool
    score: float | None
    grade: str | None
    # The plan's design cement per metre (null for an unplanned pile): the profile's design line.
    design_cement_kg_m: float | None = None


class PileList(BaseModel):
    items: list[PileSummary]
    next: str | None


class ProfileBin(BaseModel):
    # More per-bin fields of the analytics (passes, pressures…) are passed through.
    model_config = ConfigDict(extra="allow")

    top_m: float
    bottom_m: float
    cement_kg_m: float | None
    cement_down_kg_m: float | None
    cement_up_kg_m: float | None
    slurry_l_m: float | None
    blade_passes_per_m: float | None
    max_withdrawal_m_min: float | None


class Profile(BaseModel):
    bin_m: float
    bins: list[ProfileBin]


class TelemetryPoint(BaseModel):
    t: datetime
    depth_m: float
    flow_l_min: float
    rpm: float | None
    pressure_mpa: float | None
    density_kg_l: float | None
    wc: float | None
    current_a: float | None
    tilt_x_deg: float | None
    tilt_y_deg: float | None


class TelemetryOut(BaseModel):
    pile: str
    site: str
    points: list[TelemetryPoint]
    downsampled_from: int


class SiteOut(BaseModel):
    site: str
    name: str | None
    piles_planned: int
    piles_recorded: int
    rigs: int


class SiteList(BaseModel):
    items: list[SiteOut]


class MapPile(BaseModel):
    pile: str
    x_m: float | None
    y_m: float | None
    status: PileStatus
    verdict: Verdict | None
    rig: str | None
    cement_total_kg: float | None
    depth_reached_m: float | None
    design_length_m: float | None
    unplanned: bool


class SiteMap(BaseModel):
    items: list[MapPile]


class OpenAlerts(BaseModel):
    info: int
    warning: int
    critical: int


class SiteToday(BaseModel):
    date: date
    piles_finished: int
    metres_treated: float
    cement_kg: float
    pass_rate: float | None
    open_alerts: OpenAlerts
    rigs_online: int
    rigs_total: int


class RigOut(BaseModel):
    rig: str
    site: str
    online: bool
    last_seen: datetime | None
    current_pile: str | None
    live_depth_m: float | None


class RigList(BaseModel):
    items: list[RigOut]


class RigHour(BaseModel):
    hour: datetime
    site: str
    samples: int
    mean_flow_l_min: float | None
    max_depth_m: float | None
    first_t: datetime
    last_t: datetime


class RigActivity(BaseModel):
    rig: str
    since: datetime
    until: datetime
    hours: list[RigHour]


class PlanImportOut(BaseModel):
    site: str
    inserted: int
    updated: int


class PlanRowErrorOut(BaseModel):
    row: int
    field: str
    value: str
    reason: str


class PlanErrorOut(BaseModel):
    detail: list[PlanRowErrorOut]
