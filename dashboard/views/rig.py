"""机台 Rig live: the current pile's traces and per-bin cement filling in, short-bin banner."""

from __future__ import annotations

from typing import Any

import streamlit as st

from dashboard import charts, client, ui
from dashboard.i18n import label, t


def _banner(conn: client.Conn, site: str, pile_id: str) -> None:
    items = client.alerts(conn, site=site, pile_id=pile_id, state="open")
    for alert in items:
        if alert.get("depth_top_m") is None:
            continue
        text = t(
            "rig.alert_banner",
            message=alert.get("message") or alert.get("rule") or "",
            top=alert.get("depth_top_m") or 0.0,
            bottom=alert.get("depth_bottom_m") or 0.0,
        )
        if alert.get("severity") == "critical":
            st.error(text, icon=":material/warning:")
        else:
            st.warning(text, icon=":material/warning:")


def _status(rig: dict[str, Any]) -> None:
    cols = st.columns(4)
    cols[0].metric(
        t("field.online"), t("common.online") if rig.get("online") else t("common.offline")
    )
    cols[1].metric(t("field.current_pile"), str(rig.get("current_pile") or t("common.none")))
    cols[2].metric(t("field.live_depth_m"), ui.num(rig.get("live_depth_m"), 2))
    cols[3].metric(t("field.last_seen"), ui.when(rig.get("last_seen")))


def _pile(conn: client.Conn, site: str, pile_id: str) -> None:
    with ui.api_errors():
        _banner(conn, site, pile_id)
    summary = client.pile(conn, site, pile_id)
    st.caption(
        f"{t('field.pile')}: {pile_id} · {t('field.status')}: "
        f"{label('status', summary.get('status'))} · {t('field.verdict')}: "
        f"{label('verdict', summary.get('verdict') or 'none')}"
    )
    left, right = st.columns([3, 2])
    with left:
        st.subheader(t("rig.traces"))
        points = client.telemetry(conn, site, pile_id, max_points=800)
        if points:
            st.altair_chart(charts.traces_chart(points, 110), width="stretch", key="rig_traces")
        else:
            st.info(t("rig.no_telemetry"))
    with right:
        st.subheader(t("rig.bins"))
        profile = client.profile(conn, site, pile_id)
        bins = [b for b in profile.get("bins") or [] if isinstance(b, dict)]
        if bins:
            chart = charts.profile_chart(
                bins, charts.design_cement(summary, profile), summary.get("design_length_m")
            )
            st.altair_chart(chart, width="stretch", key="rig_bins")
        else:
            st.info(t("pile.no_profile"))


def render() -> None:
    conn = ui.conn()
    site = ui.need_site()
    st.title(t("rig.title"))
    with ui.api_errors():
        rigs = client.rigs(conn, site)
        names = [str(r.get("rig")) for r in rigs]
        if not names:
            st.info(t("rig.no_rigs"))
            return
        if st.session_state.get("rig") not in names:
            st.session_state["rig"] = names[0]
        rig_id = st.selectbox(t("rig.pick"), names, key="rig")

        @st.fragment(run_every=ui.refresh_s())
        def live() -> None:
            with ui.api_errors():
                now = {str(r.get("rig")): r for r in client.rigs(conn, site)}
                rig = now.get(str(rig_id), {})
                _status(rig)
                pile_id = rig.get("current_pile")
                if not pile_id:
                    st.info(t("rig.idle"))
                    return
                _pile(conn, site, str(pile_id))

        live()


render()
