"""Altair (Vega-Lite) charts built from API JSON. Pure functions: no Streamlit calls.

The site map is a single scatter mark over one data set: with 5,000 piles the browser draws
one Vega view, no per-point widgets, and Streamlit ships the rows as Arrow.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import altair as alt
import pandas as pd

from dashboard.i18n import label, t

# Colour categories of the site map, in legend order.
STATES = ("planned", "in_progress", "passed", "failed", "pending", "unplanned")
STATE_COLOURS = ("#c9ced6", "#1f77b4", "#2ca02c", "#d62728", "#ff9f1c", "#8e44ad")


def pile_state(item: dict[str, Any]) -> str:
    """The map colour of a pile: a failed verdict first, then unplanned, then the rest."""
    verdict, status = item.get("verdict"), item.get("status")
    if verdict == "fail":
        return "failed"
    if item.get("unplanned"):
        return "unplanned"
    if verdict == "pass":
        return "passed"
    if status == "planned":
        return "planned"
    if status == "in_progress":
        return "in_progress"
    return "pending"


def _f(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def map_frame(items: Sequence[dict[str, Any]]) -> pd.DataFrame:
    """One row per pile with translated labels, ready for ``site_map``."""
    rows = [
        {
            "pile": str(i.get("pile", "")),
            "x": _f(i.get("x_m")),
            "y": _f(i.get("y_m")),
            "state": label("state", pile_state(i)),
            "status": label("status", i.get("status")),
            "verdict": label("verdict", i.get("verdict") or "none"),
            "rig": i.get("rig") or t("common.none"),
            "cement": _f(i.get("cement_total_kg")),
            "depth": _f(i.get("depth_reached_m")),
            "design": _f(i.get("design_length_m")),
        }
        for i in items
    ]
    frame = pd.DataFrame(
        rows,
        columns=[
            "pile",
            "x",
            "y",
            "state",
            "status",
            "verdict",
            "rig",
            "cement",
            "depth",
            "design",
        ],
    )
    return frame.dropna(subset=["x", "y"])


def site_map(frame: pd.DataFrame, height: int = 560) -> Any:
    n = max(1, len(frame))
    size = 60 if n <= 300 else 30 if n <= 1500 else 14
    domain = [label("state", s) for s in STATES]
    return (
        alt.Chart(frame)
        .mark_circle(size=size, opacity=0.9)
        .encode(
            x=alt.X("x:Q", title=t("field.x_m"), scale=alt.Scale(zero=False)),
            y=alt.Y("y:Q", title=t("field.y_m"), scale=alt.Scale(zero=False)),
            color=alt.Color(
                "state:N",
                title=t("field.state"),
                scale=alt.Scale(domain=domain, range=list(STATE_COLOURS)),
                legend=alt.Legend(orient="bottom"),
            ),
            tooltip=[
                alt.Tooltip("pile:N", title=t("field.pile")),
                alt.Tooltip("status:N", title=t("field.status")),
                alt.Tooltip("verdict:N", title=t("field.verdict")),
                alt.Tooltip("rig:N", title=t("field.rig")),
                alt.Tooltip("cement:Q", title=t("field.cement_total_kg"), format=",.0f"),
                alt.Tooltip("depth:Q", title=t("field.depth_reached_m"), format=".2f"),
                alt.Tooltip("design:Q", title=t("field.design_length_m"), format=".2f"),
            ],
        )
        .properties(height=height)
    )


def design_cement(*sources: dict[str, Any]) -> float | None:
    """Design cement per metre from whichever of pile summary / profile carries it."""
    for source in sources:
        for key in ("design_cement_kg_m", "design_kg_m"):
            value = _f(source.get(key))
            if value is not None and value > 0:
                return value
        bins = source.get("bins")
        if isinstance(bins, list):
            for b in bins:
                if isinstance(b, dict):
                    value = _f(b.get("design_cement_kg_m") or b.get("design_kg_m"))
                    if value is not None and value > 0:
                        return value
    return None


def profile_frame(bins: Sequence[dict[str, Any]]) -> pd.DataFrame:
    """Long rows ``(top, bottom, part, x0, x1)``: penetration then withdrawal, stacked."""
    down, up = t("pile.down"), t("pile.up")
    rows: list[dict[str, Any]] = []
    for b in bins:
        top, bottom = _f(b.get("top_m")), _f(b.get("bottom_m"))
        if top is None or bottom is None:
            continue
        total = _f(b.get("cement_kg_m")) or 0.0
        d = _f(b.get("cement_down_kg_m"))
        u = _f(b.get("cement_up_kg_m"))
        if d is None and u is None:
            d, u = 0.0, total
        d, u = d or 0.0, u or 0.0
        rows.append({"top": top, "bottom": bottom, "part": down, "x0": 0.0, "x1": d, "v": d})
        rows.append({"top": top, "bottom": bottom, "part": up, "x0": d, "x1": d + u, "v": u})
    return pd.DataFrame(rows, columns=["top", "bottom", "part", "x0", "x1", "v"])


def profile_chart(
    bins: Sequence[dict[str, Any]],
    design_kg_m: float | None,
    design_length_m: float | None,
    height: int = 420,
) -> Any:
    frame = profile_frame(bins)
    depth = alt.Y("top:Q", title=t("field.depth_m"), scale=alt.Scale(reverse=True, zero=True))
    bars = (
        alt.Chart(frame)
        .mark_bar(opacity=0.9)
        .encode(
            x=alt.X("x0:Q", title=t("field.cement_kg_m")),
            x2="x1:Q",
            y=depth,
            y2="bottom:Q",
            color=alt.Color(
                "part:N",
                title=t("field.part"),
                scale=alt.Scale(
                    domain=[t("pile.down"), t("pile.up")], range=["#5b8def", "#f2a541"]
                ),
                legend=alt.Legend(orient="bottom"),
            ),
            tooltip=[
                alt.Tooltip("top:Q", title=t("field.depth_m"), format=".2f"),
                alt.Tooltip("part:N", title=t("field.part")),
                alt.Tooltip("v:Q", title=t("field.cement_kg_m"), format=".1f"),
            ],
        )
    )
    layers: list[Any] = [bars]
    if design_kg_m is not None:
        lines = pd.DataFrame(
            {
                "x": [design_kg_m, 0.75 * design_kg_m],
                "name": [t("pile.design_line", value=design_kg_m), t("pile.design_75")],
                "dash": ["solid", "dash"],
            }
        )
        layers.append(
            alt.Chart(lines)
            .mark_rule(color="#d62728", strokeWidth=2)
            .encode(
                x="x:Q",
                strokeDash=alt.StrokeDash(
                    "dash:N",
                    scale=alt.Scale(domain=["solid", "dash"], range=[[1, 0], [6, 4]]),
                    legend=None,
                ),
                tooltip=[alt.Tooltip("name:N", title=t("field.metric"))],
            )
        )
    if design_length_m is not None and design_length_m > 0:
        length = pd.DataFrame({"top": [design_length_m], "name": [t("pile.design_length")]})
        layers.append(
            alt.Chart(length)
            .mark_rule(color="#444", strokeDash=[2, 2])
            .encode(y="top:Q", tooltip=[alt.Tooltip("name:N", title=t("field.metric"))])
        )
    return alt.layer(*layers).properties(height=height)


def blade_chart(bins: Sequence[dict[str, Any]], height: int = 420) -> Any:
    rows = [
        {"top": _f(b.get("top_m")), "bottom": _f(b.get("bottom_m")), "v": _f(b.get(key))}
        for b in bins
        for key in ("blade_passes_per_m",)
    ]
    frame = pd.DataFrame(rows, columns=["top", "bottom", "v"]).dropna()
    return (
        alt.Chart(frame)
        .mark_bar(color="#2a9d8f")
        .encode(
            x=alt.X("v:Q", title=t("field.blade_passes_per_m")),
            y=alt.Y("top:Q", title=t("field.depth_m"), scale=alt.Scale(reverse=True)),
            y2="bottom:Q",
            tooltip=[
                alt.Tooltip("top:Q", title=t("field.depth_m"), format=".2f"),
                alt.Tooltip("v:Q", title=t("field.blade_passes_per_m"), format=".1f"),
            ],
        )
        .properties(height=height)
    )


TRACE_CHANNELS = ("depth_m", "flow_l_min", "rpm", "pressure_mpa")


def traces_frame(points: Sequence[dict[str, Any]]) -> pd.DataFrame:
    """Long rows ``(t, channel, value)`` for the four main channels."""
    rows: list[dict[str, Any]] = []
    for p in points:
        moment = p.get("t")
        if not isinstance(moment, str):
            continue
        for channel in TRACE_CHANNELS:
            value = _f(p.get(channel))
            if value is not None:
                rows.append({"t": moment, "channel": t(f"field.{channel}"), "value": value})
    frame = pd.DataFrame(rows, columns=["t", "channel", "value"])
    frame["t"] = pd.to_datetime(frame["t"], utc=True, errors="coerce", format="ISO8601")
    return frame.dropna()


def traces_chart(points: Sequence[dict[str, Any]], height_each: int = 120) -> Any:
    frame = traces_frame(points)
    order = [t(f"field.{c}") for c in TRACE_CHANNELS]
    return (
        alt.Chart(frame)
        .mark_line(strokeWidth=1.5)
        .encode(
            x=alt.X("t:T", title=t("field.time")),
            y=alt.Y("value:Q", title=None, scale=alt.Scale(zero=False)),
            color=alt.Color("channel:N", legend=None, sort=order),
            tooltip=[
                alt.Tooltip("t:T", title=t("field.time"), format="%H:%M:%S"),
                alt.Tooltip("channel:N", title=t("field.series")),
                alt.Tooltip("value:Q", title=t("field.value"), format=".2f"),
            ],
        )
        .properties(height=height_each)
        .facet(row=alt.Row("channel:N", title=None, sort=order))
        .resolve_scale(y="independent")
    )


def line_chart(
    frame: pd.DataFrame, x: str, y: str, series: str | None = None, x_type: str = "T"
) -> Any:
    encoding: dict[str, Any] = {
        "x": alt.X(f"{x}:{x_type}", title=x),
        "y": alt.Y(f"{y}:Q", title=y, scale=alt.Scale(zero=False)),
        "tooltip": list(frame.columns),
    }
    if series is not None:
        encoding["color"] = alt.Color(f"{series}:N", title=series)
    return alt.Chart(frame).mark_line(point=True).encode(**encoding).properties(height=260)


def control_chart(frame: pd.DataFrame, x: str, value: str, limits: dict[str, float]) -> Any:
    """Points against centre and control limits (``{"centre": c, "ucl": u, "lcl": l}``)."""
    base = line_chart(frame, x, value, x_type="O" if frame[x].dtype == object else "Q")
    rules = pd.DataFrame({"y": list(limits.values()), "name": list(limits.keys())})
    rule = (
        alt.Chart(rules)
        .mark_rule(strokeDash=[4, 3], color="#d62728")
        .encode(y="y:Q", tooltip=["name:N", "y:Q"])
    )
    return alt.layer(base, rule)


def control_points_chart(points: Sequence[dict[str, Any]], height: int = 240) -> Any:
    """A control chart from the API's points ``{pile, value, ucl, lcl, out_of_control}``:
    the statistic per pile in order, its limits, and out-of-control points in red."""
    rows = [
        {
            "i": n + 1,
            "pile": str(p.get("pile", "")),
            "value": _f(p.get("value")),
            "ucl": _f(p.get("ucl")),
            "lcl": _f(p.get("lcl")),
            "out": bool(p.get("out_of_control")),
        }
        for n, p in enumerate(points)
    ]
    frame = pd.DataFrame(rows, columns=["i", "pile", "value", "ucl", "lcl", "out"])
    x = alt.X("i:Q", title=t("quality.index"))
    tooltip = [
        alt.Tooltip("pile:N", title=t("field.pile")),
        alt.Tooltip("value:Q", title=t("field.value"), format=".3f"),
        alt.Tooltip("ucl:Q", title=t("quality.ucl"), format=".3f"),
        alt.Tooltip("lcl:Q", title=t("quality.lcl"), format=".3f"),
    ]
    base = alt.Chart(frame)
    line = base.mark_line(color="#1f77b4").encode(
        x=x, y=alt.Y("value:Q", title=None, scale=alt.Scale(zero=False))
    )
    dots = base.mark_circle(size=40).encode(
        x=x,
        y="value:Q",
        color=alt.condition("datum.out", alt.value("#d62728"), alt.value("#1f77b4")),
        tooltip=tooltip,
    )
    ucl = base.mark_line(color="#d62728", strokeDash=[5, 3]).encode(x=x, y="ucl:Q")
    lcl = base.mark_line(color="#d62728", strokeDash=[5, 3]).encode(x=x, y="lcl:Q")
    return alt.layer(line, ucl, lcl, dots).properties(height=height)


def day_chart(days: Sequence[dict[str, Any]], height: int = 240) -> Any:
    """Pass rate by day (line) over piles finished per day (bars)."""
    frame = pd.DataFrame(
        [
            {"day": str(d.get("day")), "rate": _f(d.get("pass_rate")), "piles": d.get("piles")}
            for d in days
        ],
        columns=["day", "rate", "piles"],
    )
    x = alt.X("day:O", title=t("field.date"))
    bars = (
        alt.Chart(frame)
        .mark_bar(color="#c9ced6")
        .encode(x=x, y=alt.Y("piles:Q", title=t("field.count")))
    )
    line = (
        alt.Chart(frame)
        .mark_line(point=True, color="#2ca02c")
        .encode(
            x=x,
            y=alt.Y("rate:Q", title=t("field.pass_rate"), axis=alt.Axis(format="%")),
            tooltip=[
                alt.Tooltip("day:O", title=t("field.date")),
                alt.Tooltip("rate:Q", title=t("field.pass_rate"), format=".1%"),
                alt.Tooltip("piles:Q", title=t("field.count")),
            ],
        )
    )
    return alt.layer(bars, line).resolve_scale(y="independent").properties(height=height)
