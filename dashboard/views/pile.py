"""桩 Pile detail: profile, blade passes, metrics, verdict, alerts, raw traces, report."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from dashboard import charts, client, ui
from dashboard.i18n import label, t


def _pick(conn: client.Conn, site: str) -> str | None:
    items = client.site_map(conn, site)
    recorded = sorted(str(i.get("pile")) for i in items if i.get("status") != "planned")
    wanted = st.query_params.get("pile") or st.session_state.get("pile")
    if wanted and wanted not in recorded:
        recorded.insert(0, str(wanted))
    if not recorded:
        st.info(t("pile.none"))
        return None
    index = recorded.index(wanted) if wanted in recorded else 0
    choice = st.selectbox(t("pile.pick"), recorded, index=index)
    st.session_state["pile"] = choice
    return str(choice) if choice else None


def _summary(summary: dict[str, Any]) -> None:
    cols = st.columns(5)
    cols[0].metric(t("field.status"), label("status", summary.get("status")))
    cols[1].metric(t("field.rig"), str(summary.get("rig") or t("common.none")))
    reached = ui.num(summary.get("depth_reached_m"), 2)
    design = ui.num(summary.get("design_length_m"), 2)
    cols[2].metric(t("field.depth_reached_m"), f"{reached} / {design}")
    cols[3].metric(t("field.cement_total_kg"), ui.num(summary.get("cement_total_kg"), 0))
    cols[4].metric(t("field.samples"), ui.num(summary.get("samples"), 0))
    st.caption(
        f"{t('field.started_at')}: {ui.when(summary.get('started_at'))} · "
        f"{t('field.ended_at')}: {ui.when(summary.get('ended_at'))}"
    )


def _verdict(summary: dict[str, Any]) -> None:
    verdict = summary.get("verdict")
    reasons = [str(r) for r in summary.get("reasons") or []]
    if verdict == "pass":
        st.success(t("pile.verdict_pass"), icon=":material/check_circle:")
    elif verdict == "fail":
        st.error(t("pile.verdict_fail"), icon=":material/cancel:")
    else:
        st.info(t("pile.verdict_none"), icon=":material/hourglass_top:")
    if reasons:
        st.markdown(f"**{t('pile.reasons')}**")
        st.markdown("\n".join(f"- {r}" for r in reasons))


def _metrics(summary: dict[str, Any]) -> None:
    st.subheader(t("pile.metrics"))
    cols = st.columns(6)
    cols[0].metric(t("pile.cv"), ui.num(summary.get("cv"), 3))
    cols[1].metric(t("pile.cu"), ui.num(summary.get("cu"), 3))
    cols[2].metric(t("pile.du"), ui.num(summary.get("du_lq"), 3))
    cols[3].metric(t("pile.min_ratio"), ui.num(summary.get("min_ratio"), 2))
    cols[4].metric(t("pile.score"), ui.num(summary.get("score"), 1))
    cols[5].metric(t("pile.grade"), str(summary.get("grade") or t("common.none")))


def _profile(summary: dict[str, Any], profile: dict[str, Any]) -> None:
    bins = [b for b in profile.get("bins") or [] if isinstance(b, dict)]
    left, right = st.columns([3, 2])
    with left:
        st.subheader(t("pile.profile"))
        if not bins:
            st.info(t("pile.no_profile"))
            return
        design = charts.design_cement(summary, profile)
        if design is None:
            st.caption(t("pile.no_design"))
        chart = charts.profile_chart(bins, design, summary.get("design_length_m"))
        st.altair_chart(chart, width="stretch", key="pile_profile")
    with right:
        st.subheader(t("pile.blades"))
        st.altair_chart(charts.blade_chart(bins), width="stretch", key="pile_blades")


def alerts_frame(items: list[dict[str, Any]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            t("field.severity"): [label("severity", a.get("severity")) for a in items],
            t("field.alert_state"): [label("alert_state", a.get("state")) for a in items],
            t("field.rule"): [a.get("rule") for a in items],
            t("field.depth"): [
                f"{ui.num(a.get('depth_top_m'), 2)}–{ui.num(a.get('depth_bottom_m'), 2)}"
                for a in items
            ],
            t("field.value"): [ui.num(a.get("value"), 2) for a in items],
            t("field.limit"): [ui.num(a.get("limit"), 2) for a in items],
            t("field.message"): [a.get("message") for a in items],
            t("field.raised_at"): [ui.when(a.get("raised_at")) for a in items],
        }
    )


def _alerts(conn: client.Conn, site: str, pile_id: str) -> None:
    st.subheader(t("pile.alerts"))
    items = client.alerts(conn, site=site, pile_id=pile_id)
    if not items:
        st.caption(t("pile.no_alerts"))
        return
    st.dataframe(alerts_frame(items), hide_index=True, width="stretch")


def _traces(conn: client.Conn, site: str, pile_id: str, live: bool) -> None:
    with st.expander(t("pile.traces"), expanded=False):
        points = client.telemetry(conn, site, pile_id, live=live)
        if points:
            st.altair_chart(charts.traces_chart(points), width="stretch", key="pile_traces")
        else:
            st.caption(t("rig.no_telemetry"))


def _report(conn: client.Conn, site: str, pile_id: str) -> None:
    key = f"report:{site}:{pile_id}"
    if st.button(t("pile.report"), icon=":material/picture_as_pdf:", key="report_make"):
        with ui.api_errors():
            st.session_state[key] = client.report_pdf(conn, site, pile_id)
    pdf = st.session_state.get(key)
    if isinstance(pdf, bytes):
        safe = "".join(c if c.isalnum() or c in "-_+." else "_" for c in pile_id)
        st.download_button(
            t("pile.report"),
            pdf,
            file_name=f"{site}_{safe}.pdf",
            mime="application/pdf",
            icon=":material/download:",
            type="primary",
        )


def _body(conn: client.Conn, site: str, pile_id: str) -> None:
    summary = client.pile(conn, site, pile_id)
    live = summary.get("status") == "in_progress"
    profile = client.profile(conn, site, pile_id, live=live)
    _summary(summary)
    _verdict(summary)
    _metrics(summary)
    _profile(summary, profile)
    with ui.api_errors():
        _alerts(conn, site, pile_id)
    with ui.api_errors():
        _traces(conn, site, pile_id, live)


def render() -> None:
    conn = ui.conn()
    site = ui.need_site()
    st.title(t("pile.title"))
    with ui.api_errors():
        pile_id = _pick(conn, site)
        if pile_id is None:
            return

        status = client.pile(conn, site, pile_id).get("status")
        every = ui.refresh_s() if status in ("in_progress", None) else None

        @st.fragment(run_every=every)
        def live() -> None:
            with ui.api_errors():
                _body(conn, site, pile_id)

        live()
        _report(conn, site, pile_id)


render()
