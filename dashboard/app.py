"""The 软基智控 dashboard: `streamlit run dashboard/app.py` (or `pilewatch dashboard`).

The shell signs in (PILEWATCH_API_TOKEN, else a token form), offers the language and site
switches, and registers the pages the token's role may see; each page is a file under
``dashboard/views/``. Nothing talks to the database: every figure comes from the API.
"""

from __future__ import annotations

import streamlit as st

from dashboard import client, ui
from dashboard.client import ApiError, Conn
from dashboard.i18n import LANGS, label, t
from runtime.settings import get_settings


def _sign_in(base_url: str, token: str) -> None:
    conn = Conn(base_url, token.strip())
    me = client.me(conn)
    st.session_state["conn"] = conn
    st.session_state["me"] = me


def _login(base_url: str, env_token: str | None) -> None:
    if env_token and not st.session_state.get("auto_tried"):
        st.session_state["auto_tried"] = True
        try:
            _sign_in(base_url, env_token)
            return
        except ApiError as exc:
            st.session_state["auto_error"] = ui.error_text(exc)
    st.title(t("app.title"))
    st.caption(t("app.subtitle"))
    if st.session_state.get("auto_error"):
        st.error(t("login.auto_failed", error=st.session_state["auto_error"]))
    with st.form("login"):
        st.subheader(t("login.title"))
        token = st.text_input(t("login.token"), type="password", help=t("login.help"))
        submitted = st.form_submit_button(t("login.submit"), type="primary")
    if submitted:
        if not token.strip():
            st.warning(t("login.empty"))
        else:
            try:
                _sign_in(base_url, token)
            except ApiError as exc:
                ui.show_error(exc)
            else:
                st.rerun()
    st.caption(t("app.api", url=base_url))
    st.stop()


def _sign_out() -> None:
    for key in ("conn", "me", "site"):
        st.session_state.pop(key, None)
    st.session_state["auto_tried"] = True  # a wall screen that signs out stays signed out


def _sidebar(conn: Conn) -> None:
    sidebar = st.sidebar
    sidebar.segmented_control(
        t("app.language"),
        LANGS,
        key="lang",
        format_func=lambda code: t(f"lang.{code}"),
        selection_mode="single",
    )
    me = st.session_state.get("me") or {}
    sidebar.caption(
        t("app.signed_in_as", name=me.get("name", "?"), role=label("role", me.get("role")))
    )
    try:
        sites = client.sites(conn)
    except ApiError as exc:
        sidebar.error(ui.error_text(exc))
        sites = []
    names = {str(s.get("site")): str(s.get("name") or s.get("site")) for s in sites}
    if names:
        if st.session_state.get("site") not in names:
            st.session_state["site"] = next(iter(names))
        sidebar.selectbox(
            t("app.site"),
            list(names),
            key="site",
            format_func=lambda s: s if names[s] == s else f"{names[s]} ({s})",
        )
    else:
        st.session_state.pop("site", None)
    sidebar.select_slider(t("app.refresh"), options=[2, 3, 5, 10, 30, 60], key="refresh_s")
    sidebar.button(t("app.sign_out"), on_click=_sign_out, icon=":material/logout:")


def main() -> None:
    st.session_state.setdefault("lang", "zh")
    st.session_state.setdefault("refresh_s", ui.DEFAULT_REFRESH_S)
    if st.session_state.get("lang") not in LANGS:  # the segmented control can be cleared
        st.session_state["lang"] = "zh"
    st.set_page_config(page_title=t("app.title"), page_icon=":material/foundation:", layout="wide")
    settings = get_settings()
    if not isinstance(st.session_state.get("conn"), Conn):
        _login(settings.api_url, settings.api_token)
    conn = ui.conn()
    _sidebar(conn)
    pages = [
        st.Page("views/overview.py", title=t("nav.overview"), icon=":material/map:", default=True),
        st.Page("views/rig.py", title=t("nav.rig"), icon=":material/precision_manufacturing:"),
        st.Page("views/pile.py", title=t("nav.pile"), icon=":material/vertical_align_bottom:"),
        st.Page("views/alerts.py", title=t("nav.alerts"), icon=":material/notifications:"),
        st.Page("views/quality.py", title=t("nav.quality"), icon=":material/monitoring:"),
    ]
    if ui.can(ui.RUN_REPLAYS):
        pages.append(st.Page("views/replay.py", title=t("nav.replay"), icon=":material/replay:"))
    st.navigation(pages).run()


main()
