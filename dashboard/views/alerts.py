"""告警 Alerts: live filtered list, detail and history; acknowledge/resolve (supervisor)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from dashboard import client, ui
from dashboard.i18n import label, t

SEVERITIES = ("critical", "warning", "info")
STATES = ("open", "acknowledged", "resolved")
ALL = ""


def _filters(conn: client.Conn, site: str) -> dict[str, str | None]:
    rigs: list[str] = []
    with ui.api_errors():
        rigs = [str(r.get("rig")) for r in client.rigs(conn, site)]
    cols = st.columns(3)
    rig = cols[0].selectbox(
        t("alerts.filter_rig"),
        [ALL, *rigs],
        format_func=lambda v: v or t("common.all"),
        key="alerts_rig",
    )
    severity = cols[1].selectbox(
        t("alerts.filter_severity"),
        [ALL, *SEVERITIES],
        format_func=lambda v: label("severity", v) if v else t("common.all"),
        key="alerts_severity",
    )
    state = cols[2].selectbox(
        t("alerts.filter_state"),
        [ALL, *STATES],
        index=1,
        format_func=lambda v: label("alert_state", v) if v else t("common.all"),
        key="alerts_state",
    )
    return {"rig": rig or None, "severity": severity or None, "state": state or None}


def table(items: list[dict[str, Any]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            t("field.id"): [a.get("id") for a in items],
            t("field.severity"): [label("severity", a.get("severity")) for a in items],
            t("field.alert_state"): [label("alert_state", a.get("state")) for a in items],
            t("field.rig"): [a.get("rig") for a in items],
            t("field.pile"): [a.get("pile") for a in items],
            t("field.rule"): [a.get("rule") for a in items],
            t("field.depth"): [
                f"{ui.num(a.get('depth_top_m'), 2)}–{ui.num(a.get('depth_bottom_m'), 2)}"
                for a in items
            ],
            t("field.message"): [a.get("message") for a in items],
            t("field.raised_at"): [ui.when(a.get("raised_at")) for a in items],
        }
    )


def _history(conn: client.Conn, alert_id: Any) -> None:
    st.markdown(f"**{t('alerts.history')}**")
    items = client.alert_history(conn, alert_id)
    if not items:
        st.caption(t("alerts.no_history"))
        return
    frame = pd.DataFrame(
        {
            t("field.at"): [ui.when(h.get("at")) for h in items],
            t("field.actor"): [h.get("actor") for h in items],
            t("field.action"): [h.get("action") for h in items],
            t("field.from_state"): [label("alert_state", h.get("from_state")) for h in items],
            t("field.to_state"): [label("alert_state", h.get("to_state")) for h in items],
            t("field.comment"): [h.get("comment") for h in items],
        }
    )
    st.dataframe(frame, hide_index=True, width="stretch")


def _act(conn: client.Conn, alert_id: Any, action: str) -> None:
    """Form callback: runs before the page, so the page then shows the new state."""
    comment = str(st.session_state.get("alert_comment") or "").strip()
    if not comment:
        st.session_state["alerts_warning"] = t("alerts.need_comment")
        return
    try:
        client.alert_action(conn, alert_id, action, comment)
    except client.ApiError as exc:
        st.session_state["alerts_error"] = ui.error_text(exc)
        return
    st.session_state["alerts_flash"] = t("alerts.done", id=alert_id)


def _actions(conn: client.Conn, alert: dict[str, Any]) -> None:
    if not ui.can(ui.ACT_ON_ALERTS):
        st.caption(t("alerts.read_only"))
        return
    state = alert.get("state")
    if state == "resolved":
        return
    alert_id = alert.get("id")
    with st.form(f"act_{alert_id}", clear_on_submit=True):
        st.text_area(t("alerts.comment"), key="alert_comment")
        cols = st.columns(2)
        cols[0].form_submit_button(
            t("alerts.ack"),
            disabled=state != "open",
            icon=":material/done:",
            on_click=_act,
            args=(conn, alert_id, "ack"),
        )
        cols[1].form_submit_button(
            t("alerts.resolve"),
            type="primary",
            icon=":material/done_all:",
            on_click=_act,
            args=(conn, alert_id, "resolve"),
        )


def _detail(conn: client.Conn, alert: dict[str, Any]) -> None:
    st.subheader(t("alerts.detail"))
    cols = st.columns(4)
    cols[0].metric(t("field.severity"), label("severity", alert.get("severity")))
    cols[1].metric(t("field.alert_state"), label("alert_state", alert.get("state")))
    cols[2].metric(t("field.value"), ui.num(alert.get("value"), 2))
    cols[3].metric(t("field.limit"), ui.num(alert.get("limit"), 2))
    st.write(str(alert.get("message") or ""))
    st.caption(
        f"{t('field.pile')}: {alert.get('pile')} · {t('field.rig')}: {alert.get('rig')} · "
        f"{t('field.raised_at')}: {ui.when(alert.get('raised_at'))}"
    )
    if alert.get("acknowledged_by"):
        st.caption(
            f"{t('field.acknowledged_by')}: {alert.get('acknowledged_by')} "
            f"({ui.when(alert.get('acknowledged_at'))})"
        )
    if alert.get("resolved_by"):
        st.caption(
            f"{t('field.resolved_by')}: {alert.get('resolved_by')} "
            f"({ui.when(alert.get('resolved_at'))})"
        )
    with ui.api_errors():
        _history(conn, alert.get("id"))
    _actions(conn, alert)


def render() -> None:
    conn = ui.conn()
    site = ui.need_site()
    st.title(t("alerts.title"))
    flash = st.session_state.pop("alerts_flash", None)
    if flash:
        st.success(flash)
    for key, show in (("alerts_warning", st.warning), ("alerts_error", st.error)):
        message = st.session_state.pop(key, None)
        if message:
            show(message)
    filters = _filters(conn, site)

    @st.fragment(run_every=ui.refresh_s())
    def live() -> None:
        with ui.api_errors():
            items = client.alerts(conn, site=site, **filters)
            st.caption(t("alerts.count", n=len(items)))
            if not items:
                st.info(t("alerts.none"))
                return
            st.dataframe(table(items), hide_index=True, width="stretch")

    live()
    with ui.api_errors():
        items = client.alerts(conn, site=site, **filters)
        if not items:
            return
        by_id = {a.get("id"): a for a in items}
        pick = st.selectbox(
            t("alerts.pick"),
            list(by_id),
            format_func=lambda i: (
                f"#{i} · {label('severity', by_id[i].get('severity'))} · "
                f"{by_id[i].get('pile')} · {by_id[i].get('rule')}"
            ),
            key="alerts_pick",
        )
        if pick in by_id:
            _detail(conn, by_id[pick])


render()
