"""质量 Quality: pass rate by day, distributions, control charts, uniformity trend, rigs.

The statistics body is read defensively: known sections are drawn as charts and tables,
anything else is shown as a table, so a richer API answer never breaks the page.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import streamlit as st

from dashboard import charts, client, ui
from dashboard.i18n import t

SECTIONS = {
    "pass_rate_by_day": "quality.pass_rate_by_day",
    "distributions": "quality.distributions",
    "control_charts": "quality.control_charts",
    "uniformity_trend": "quality.uniformity",
    "rig_comparison": "quality.rigs",
}
ALIASES = {
    "by_day": "pass_rate_by_day",
    "days": "pass_rate_by_day",
    "daily": "pass_rate_by_day",
    "distribution": "distributions",
    "control": "control_charts",
    "uniformity": "uniformity_trend",
    "rigs": "rig_comparison",
    "compare_rigs": "rig_comparison",
}


def frame_of(value: Any) -> pd.DataFrame | None:
    """A table for a list of records, a mapping of records, or a flat mapping."""
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        return pd.json_normalize(value)
    if isinstance(value, dict) and value:
        if all(isinstance(v, dict) for v in value.values()):
            rows = [{"": k, **pd.json_normalize(v).iloc[0].to_dict()} for k, v in value.items()]
            return pd.DataFrame(rows)
        if all(not isinstance(v, dict | list) for v in value.values()):
            return pd.DataFrame([value])
    return None


def _numeric(frame: pd.DataFrame, exclude: str) -> list[str]:
    return [c for c in frame.columns if c != exclude and pd.api.types.is_numeric_dtype(frame[c])]


def _by_day(value: Any) -> None:
    frame = frame_of(value)
    if frame is None or frame.empty:
        st.caption(t("quality.empty"))
        return
    x = next((c for c in ("date", "day") if c in frame.columns), None)
    y = next((c for c in ("pass_rate", "rate") if c in frame.columns), None)
    if x is not None and y is not None:
        st.altair_chart(charts.line_chart(frame, x, y), width="stretch")
    st.dataframe(frame, hide_index=True, width="stretch")


def _control(value: Any) -> None:
    charts_in = value if isinstance(value, dict) else {}
    drawn = False
    for name, chart in charts_in.items():
        if not isinstance(chart, dict):
            continue
        points = chart.get("points") or chart.get("values")
        limits = {
            k: float(chart[k])
            for k in ("centre", "center", "ucl", "lcl")
            if isinstance(chart.get(k), int | float)
        }
        if isinstance(points, list) and points:
            if all(isinstance(p, dict) for p in points):
                frame = pd.json_normalize(points)
            else:
                frame = pd.DataFrame({"i": range(len(points)), str(name): points})
            x = next((c for c in ("pile", "date", "i", "index") if c in frame.columns), None)
            numeric = _numeric(frame, x or "")
            if x is not None and numeric:
                st.markdown(f"**{name}**")
                st.altair_chart(charts.control_chart(frame, x, numeric[0], limits), width="stretch")
                drawn = True
    if not drawn:
        _table(value)


def _table(value: Any) -> None:
    frame = frame_of(value)
    if frame is not None:
        st.dataframe(frame, hide_index=True, width="stretch")
    elif value not in (None, [], {}):
        st.json(value, expanded=False)
    else:
        st.caption(t("quality.empty"))


def render() -> None:
    conn = ui.conn()
    site = ui.need_site()
    st.title(t("quality.title"))
    today = dt.date.today()
    cols = st.columns(2)
    start = cols[0].date_input(t("quality.from"), today - dt.timedelta(days=13), key="q_from")
    end = cols[1].date_input(t("quality.to"), today, key="q_to")
    if not isinstance(start, dt.date) or not isinstance(end, dt.date):
        return
    with ui.api_errors():
        stats = client.statistics(conn, site, start.isoformat(), end.isoformat())
        if not stats:
            st.info(t("quality.empty"))
            return
        sections: dict[str, Any] = {}
        other: dict[str, Any] = {}
        for key, value in stats.items():
            name = ALIASES.get(key, key)
            (sections if name in SECTIONS else other)[name] = value
        for name, title in SECTIONS.items():
            if name not in sections:
                continue
            st.subheader(t(title))
            if name == "pass_rate_by_day":
                _by_day(sections[name])
            elif name == "control_charts":
                _control(sections[name])
            else:
                _table(sections[name])
        scalars = {k: v for k, v in other.items() if not isinstance(v, dict | list)}
        nested = {k: v for k, v in other.items() if isinstance(v, dict | list)}
        if scalars or nested:
            st.subheader(t("quality.other"))
            if scalars:
                _table(scalars)
            for value in nested.values():
                _table(value)


render()
