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
from dashboard.i18n import TEXTS, t


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


def _table(value: Any) -> None:
    frame = frame_of(value)
    if frame is not None:
        st.dataframe(frame, hide_index=True, width="stretch")
    elif value not in (None, [], {}):
        st.json(value, expanded=False)
    else:
        st.caption(t("quality.empty"))


def _pick(values: Any, index: int) -> Any:
    return values[index] if isinstance(values, list) and len(values) > index else None


def _headline(stats: dict[str, Any]) -> None:
    found = stats.get("overall")
    overall: dict[str, Any] = found if isinstance(found, dict) else {}
    cols = st.columns(5)
    cols[0].metric(t("quality.piles"), ui.num(stats.get("piles"), 0))
    cols[1].metric(t("field.pass_rate"), ui.pct(overall.get("pass_rate")))
    cols[2].metric(t("quality.median_cement"), ui.num(_pick(overall.get("cement_kg_m"), 2), 1))
    cols[3].metric(t("quality.median_cv"), ui.num(_pick(overall.get("cv"), 2), 3))
    cols[4].metric(t("quality.median_cu"), ui.num(_pick(overall.get("cu"), 2), 3))


def distribution_table(groups: list[dict[str, Any]], key: str) -> pd.DataFrame:
    last = 4
    return pd.DataFrame(
        {
            t("quality.group"): [str(g.get(key, "")) for g in groups],
            t("field.count"): [g.get("piles") for g in groups],
            t("field.pass_rate"): [ui.pct(g.get("pass_rate")) for g in groups],
            t("quality.cement_p5"): [ui.num(_pick(g.get("cement_kg_m"), 0)) for g in groups],
            t("quality.cement_p50"): [ui.num(_pick(g.get("cement_kg_m"), 2)) for g in groups],
            t("quality.cement_p95"): [ui.num(_pick(g.get("cement_kg_m"), last)) for g in groups],
            t("quality.cv_p50"): [ui.num(_pick(g.get("cv"), 2), 3) for g in groups],
            t("quality.cu_p50"): [ui.num(_pick(g.get("cu"), 2), 3) for g in groups],
        }
    )


def _distributions(stats: dict[str, Any]) -> None:
    st.subheader(t("quality.distributions"))
    for key, title, field in (
        ("by_rig", "quality.by_rig", "rig"),
        ("by_day", "quality.by_day", "day"),
    ):
        groups = [g for g in stats.get(key) or [] if isinstance(g, dict)]
        if groups:
            st.markdown(f"**{t(title)}**")
            st.dataframe(distribution_table(groups, field), hide_index=True, width="stretch")


def _control_charts(value: Any) -> None:
    st.subheader(t("quality.control_charts"))
    if not isinstance(value, dict):
        _table(value)
        return
    drawn = False
    for quantity, kinds in value.items():
        if not isinstance(kinds, dict):
            continue
        cols = st.columns(2)
        for col, kind in zip(cols, ("shewhart", "ewma"), strict=True):
            chart = kinds.get(kind)
            if not isinstance(chart, dict):
                continue
            points = chart.get("points")
            if not isinstance(points, list) or not points:
                continue
            quantity_key = f"quality.chart_{quantity}"
            with col:
                name = t(quantity_key) if quantity_key in TEXTS else str(quantity)
                st.markdown(f"**{name} · {t(f'quality.{kind}')}**")
                st.altair_chart(charts.control_points_chart(points), width="stretch")
                out = sum(1 for p in points if isinstance(p, dict) and p.get("out_of_control"))
                st.caption(
                    f"{t('quality.centre')}: {ui.num(chart.get('centre'), 3)} · "
                    f"{t('quality.out')}: {out}"
                )
                drawn = True
    if not drawn:
        st.caption(t("quality.empty"))


def _trend(value: Any) -> None:
    st.subheader(t("quality.uniformity"))
    if not isinstance(value, dict):
        st.caption(t("quality.no_trend"))
        return
    before, after = value.get("before") or {}, value.get("after") or {}
    st.caption(
        f"{t('quality.before')}: {before.get('from')} – {before.get('to')} · "
        f"{t('quality.after')}: {after.get('from')} – {after.get('to')}"
    )
    cols = st.columns(2)
    cv_change, cu_change = value.get("cv_change_pct"), value.get("cu_change_pct")
    cols[0].metric(
        t("quality.mean_cv"),
        ui.num(value.get("mean_cv_after"), 3),
        None if cv_change is None else f"{cv_change:+.1f}%",
        delta_color="inverse",
    )
    cols[1].metric(
        t("quality.mean_cu"),
        ui.num(value.get("mean_cu_after"), 3),
        None if cu_change is None else f"{cu_change:+.1f}%",
    )
    if value.get("conclusion"):
        st.caption(str(value["conclusion"]))


def _rigs(value: Any) -> None:
    st.subheader(t("quality.rigs"))
    rows = [r for r in value or [] if isinstance(r, dict)] if isinstance(value, list) else []
    if not rows:
        st.caption(t("quality.empty"))
        return
    frame = pd.DataFrame(
        {
            t("field.rig"): [r.get("rig") for r in rows],
            t("quality.median_rig"): [ui.num(r.get("median_rig"), 2) for r in rows],
            t("quality.median_other"): [ui.num(r.get("median_other"), 2) for r in rows],
            t("quality.p_value"): [ui.num(r.get("p_value"), 3) for r in rows],
            t("quality.conclusion"): [r.get("conclusion") for r in rows],
        }
    )
    st.dataframe(frame, hide_index=True, width="stretch")


KNOWN = {
    "site",
    "from",
    "to",
    "piles",
    "percentiles",
    "overall",
    "by_day",
    "by_rig",
    "control_charts",
    "uniformity_trend",
    "rig_comparison",
}


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
        if not stats or not stats.get("piles"):
            st.info(t("quality.empty"))
            return
        _headline(stats)
        days = [d for d in stats.get("by_day") or [] if isinstance(d, dict)]
        if days:
            st.subheader(t("quality.pass_rate_by_day"))
            st.altair_chart(charts.day_chart(days), width="stretch")
        _distributions(stats)
        _control_charts(stats.get("control_charts"))
        _trend(stats.get("uniformity_trend"))
        _rigs(stats.get("rig_comparison"))
        other = {k: v for k, v in stats.items() if k not in KNOWN}
        if other:
            st.subheader(t("quality.other"))
            _table(other)


render()
