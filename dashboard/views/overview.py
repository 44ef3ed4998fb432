"""总览 Overview: today's figures, the site map of every pile, the rigs."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from dashboard import charts, client, ui
from dashboard.i18n import t


def _today(conn: client.Conn, site: str) -> None:
    day = client.today(conn, site)
    alerts: dict[str, Any] = day.get("open_alerts") or {}
    st.subheader(t("overview.today", date=day.get("date", "")))
    cols = st.columns(6)
    cols[0].metric(t("overview.piles_finished"), ui.num(day.get("piles_finished"), 0))
    cols[1].metric(t("overview.metres_treated"), ui.num(day.get("metres_treated"), 1))
    cols[2].metric(t("overview.cement_t"), ui.num(day.get("cement_kg"), 2, scale=0.001))
    cols[3].metric(t("overview.pass_rate"), ui.pct(day.get("pass_rate")))
    cols[4].metric(
        t("overview.alerts"),
        " / ".join(ui.num(alerts.get(k), 0) for k in ("critical", "warning", "info")),
    )
    cols[5].metric(
        t("overview.rigs_online"),
        f"{ui.num(day.get('rigs_online'), 0)} / {ui.num(day.get('rigs_total'), 0)}",
    )


def _map(conn: client.Conn, site: str) -> list[dict[str, Any]]:
    items = client.site_map(conn, site)
    st.subheader(t("overview.map"))
    if not items:
        st.info(t("overview.no_piles"))
        return items
    recorded = sum(1 for i in items if i.get("status") != "planned")
    st.caption(t("overview.map_caption", total=len(items), recorded=recorded))
    frame = charts.map_frame(items)
    st.altair_chart(charts.site_map(frame), key="site_map", width="stretch")
    return items


def _rigs(conn: client.Conn, site: str) -> None:
    st.subheader(t("overview.rigs"))
    rigs = client.rigs(conn, site)
    if not rigs:
        st.info(t("overview.no_rigs"))
        return
    frame = pd.DataFrame(
        {
            t("field.rig"): [r.get("rig") for r in rigs],
            t("field.online"): [
                t("common.online") if r.get("online") else t("common.offline") for r in rigs
            ],
            t("field.current_pile"): [r.get("current_pile") or t("common.none") for r in rigs],
            t("field.live_depth_m"): [ui.num(r.get("live_depth_m"), 2) for r in rigs],
            t("field.last_seen"): [ui.when(r.get("last_seen")) for r in rigs],
        }
    )
    st.dataframe(frame, hide_index=True, width="stretch")


def _open_pile(items: list[dict[str, Any]]) -> None:
    recorded = sorted(str(i.get("pile")) for i in items if i.get("status") != "planned")
    if not recorded:
        return
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    choice = left.selectbox(t("field.pile"), recorded, index=None, key="overview_pile")
    if right.button(t("overview.open_pile"), disabled=choice is None) and choice:
        st.session_state["pile"] = choice
        st.switch_page("views/pile.py")


def render() -> None:
    conn = ui.conn()
    site = ui.need_site()
    st.title(t("overview.title"))

    @st.fragment(run_every=ui.refresh_s())
    def live() -> None:
        with ui.api_errors():
            _today(conn, site)
        left, right = st.columns([3, 1])
        with left, ui.api_errors():
            st.session_state["_overview_items"] = _map(conn, site)
        with right, ui.api_errors():
            _rigs(conn, site)

    live()
    _open_pile(st.session_state.get("_overview_items") or [])


render()
