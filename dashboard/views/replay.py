"""回放 Replay: start a simulated scenario or a recorded stream, and follow its runs."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from dashboard import client, ui
from dashboard.i18n import t


def _start_form(conn: client.Conn, catalogue: dict[str, Any]) -> None:
    scenarios = [str(s) for s in catalogue.get("scenarios") or []]
    recordings = [str(r) for r in catalogue.get("recordings") or []]
    mode = st.radio(
        t("replay.mode"),
        ["scenario", "recording"],
        format_func=lambda m: t(f"replay.mode_{m}"),
        horizontal=True,
        key="replay_mode",
    )
    with st.form("replay_start"):
        body: dict[str, Any]
        if mode == "scenario":
            scenario = st.selectbox(t("replay.scenario"), scenarios, key="replay_scenario")
            cols = st.columns(4)
            site = cols[0].text_input(t("replay.site"), value=ui.site() or "DEMO")
            rigs = cols[1].number_input(t("replay.rigs"), 1, 50, 3)
            seed = cols[2].number_input(t("replay.seed"), 0, 10**9, 1)
            speed = cols[3].number_input(t("replay.speed"), 0.1, 1000.0, 20.0)
            body = {
                "scenario": scenario,
                "site": site,
                "rigs": int(rigs),
                "seed": int(seed),
                "speed": float(speed),
            }
        else:
            if not recordings:
                st.caption(t("replay.no_recordings"))
            recording = st.selectbox(t("replay.recording"), recordings, key="replay_recording")
            speed = st.number_input(t("replay.speed"), 0.1, 1000.0, 10.0)
            body = {"recording": recording, "speed": float(speed)}
        submitted = st.form_submit_button(t("replay.start"), type="primary")
    if submitted and (body.get("scenario") or body.get("recording")):
        try:
            run = client.start_replay(conn, body)
        except client.ApiError as exc:
            ui.show_error(exc)
            return
        run_id = str(run.get("id", ""))
        st.session_state.setdefault("replay_ids", []).insert(0, run_id)
        st.success(t("replay.started", id=run_id))


def _runs(conn: client.Conn, catalogue: dict[str, Any]) -> None:
    st.subheader(t("replay.runs"))
    runs = [r for r in catalogue.get("runs") or [] if isinstance(r, dict)]
    known = {str(r.get("id")) for r in runs}
    for run_id in st.session_state.get("replay_ids", []):
        if run_id and run_id not in known:
            with ui.api_errors():
                runs.append(client.replay_status(conn, run_id))
    if not runs:
        st.caption(t("replay.no_runs"))
        return
    frame = pd.DataFrame(
        {
            t("replay.field_id"): [r.get("id") for r in runs],
            t("replay.field_kind"): [r.get("kind") for r in runs],
            t("replay.field_name"): [r.get("name") for r in runs],
            t("replay.field_state"): [r.get("state") for r in runs],
            t("replay.field_started"): [ui.when(r.get("started_at")) for r in runs],
            t("replay.field_detail"): [r.get("detail") or r.get("error") for r in runs],
        }
    )
    st.dataframe(frame, hide_index=True, width="stretch")


def render() -> None:
    conn = ui.conn()
    st.title(t("replay.title"))
    if not ui.can(ui.RUN_REPLAYS):
        st.info(t("replay.read_only"))
        return
    with ui.api_errors():
        catalogue = client.replays(conn)
        _start_form(conn, catalogue)

    @st.fragment(run_every=ui.refresh_s())
    def live() -> None:
        with ui.api_errors():
            _runs(conn, client.replays(conn))

    live()


render()
