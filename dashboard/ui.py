"""Shared page helpers: the signed-in connection, roles, the chosen site, errors, formats."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import streamlit as st

from dashboard.client import ApiError, Conn
from dashboard.i18n import t

T = TypeVar("T")

ACT_ON_ALERTS = frozenset({"supervisor", "admin"})
RUN_REPLAYS = frozenset({"engineer", "admin"})
DEFAULT_REFRESH_S = 5


def conn() -> Conn:
    """The signed-in connection; the app shell guarantees one before any page runs."""
    value = st.session_state.get("conn")
    if not isinstance(value, Conn):
        st.stop()
    return value


def role() -> str:
    me = st.session_state.get("me") or {}
    return str(me.get("role", ""))


def can(roles: frozenset[str]) -> bool:
    return role() in roles


def site() -> str | None:
    value = st.session_state.get("site")
    return value if isinstance(value, str) and value else None


def refresh_s() -> int:
    value = st.session_state.get("refresh_s", DEFAULT_REFRESH_S)
    return int(value) if isinstance(value, int | float) and value >= 1 else DEFAULT_REFRESH_S


def error_text(exc: ApiError) -> str:
    if exc.status == 0:
        return t("error.unreachable", url=exc.url, detail=exc.detail)
    if exc.status == 401:
        return t("error.unauthorized")
    if exc.status == 403:
        return t("error.forbidden")
    if exc.status >= 500:
        return t("error.server", status=exc.status)
    return t("error.api", status=exc.status, detail=exc.detail)


def show_error(exc: ApiError) -> None:
    st.error(error_text(exc), icon=":material/error:")


def fetch(call: Callable[[], T]) -> T | None:
    """Run one API read; on failure show the message and return None."""
    try:
        return call()
    except ApiError as exc:
        show_error(exc)
        return None


@contextmanager
def api_errors() -> Iterator[None]:
    """Turn an ApiError anywhere in the block into a message instead of a traceback."""
    try:
        yield
    except ApiError as exc:
        show_error(exc)


def need_site() -> str:
    value = site()
    if value is None:
        st.info(t("app.no_sites"))
        st.stop()
    return value


def num(value: Any, digits: int = 1, scale: float = 1.0) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return t("common.none")
    return f"{value * scale:,.{digits}f}"


def pct(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return t("common.none")
    return f"{value * 100:.1f}%"


def when(value: Any) -> str:
    """An RFC 3339 time as ``YYYY-MM-DD HH:MM:SS`` (UTC as sent)."""
    if not isinstance(value, str) or not value:
        return t("common.none")
    text = value.replace("T", " ")
    return text[:19]
