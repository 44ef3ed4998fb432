"""Acknowledge and resolve: open → acknowledged → resolved, and open → resolved.

Decision: a supervisor may resolve an open alert directly (a false alarm, or an interval
re-mixed before anyone acknowledged it); the history still shows that no acknowledgement
came first. Anything else (acknowledging an acknowledged or resolved alert, resolving a
resolved one) is an ``IllegalTransition`` carrying the current state (HTTP 409).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from alerts.store import AlertChange, Conn, get_alert, update_alert

TRANSITIONS: dict[str, dict[str, str]] = {
    "acknowledge": {"open": "acknowledged"},
    "resolve": {"open": "resolved", "acknowledged": "resolved"},
}
MAX_COMMENT = 2000


class AlertNotFound(LookupError):
    def __init__(self, alert_id: int) -> None:
        self.alert_id = alert_id
        super().__init__(f"alert {alert_id} does not exist")


class IllegalTransition(ValueError):
    def __init__(self, alert_id: int, action: str, state: str) -> None:
        self.alert_id = alert_id
        self.action = action
        self.state = state
        allowed = sorted(TRANSITIONS[action])
        super().__init__(
            f"alert {alert_id} is {state}: cannot {action} it (only from {', '.join(allowed)})"
        )


def _transition(
    conn: Conn,
    alert_id: int,
    action: str,
    actor: str,
    comment: str | None,
    now: datetime | None,
) -> AlertChange:
    if comment is not None and len(comment) > MAX_COMMENT:
        raise ValueError(f"comment has {len(comment)} characters, at most {MAX_COMMENT}")
    when = now or datetime.now(UTC)
    with conn.transaction():
        row = get_alert(conn, alert_id, for_update=True)
        if row is None:
            raise AlertNotFound(alert_id)
        target = TRANSITIONS[action].get(row["state"])
        if target is None:
            raise IllegalTransition(alert_id, action, row["state"])
        changes: dict[str, Any] = {"state": target}
        if action == "acknowledge":
            changes |= {"acknowledged_by": actor, "acknowledged_at": when}
        else:
            changes |= {"resolved_by": actor, "resolved_at": when}
        if comment:
            changes["comment"] = comment
        past = "acknowledged" if action == "acknowledge" else "resolved"
        return update_alert(conn, row, changes, past, actor, when, comment)


def acknowledge(
    conn: Conn,
    alert_id: int,
    actor: str,
    comment: str | None = None,
    *,
    now: datetime | None = None,
) -> AlertChange:
    """open → acknowledged; records who, when and the comment."""
    return _transition(conn, alert_id, "acknowledge", actor, comment, now)


def resolve(
    conn: Conn,
    alert_id: int,
    actor: str,
    comment: str | None = None,
    *,
    now: datetime | None = None,
) -> AlertChange:
    """open or acknowledged → resolved; records who, when and the comment."""
    return _transition(conn, alert_id, "resolve", actor, comment, now)
