from __future__ import annotations

from alerts.engine import apply_evaluation, bins_of, overlaps, tick
from alerts.rulebook import Rulebook
from storage.db import connect
from tests.alerts.builders import (
    alerts_of,
    at,
    evaluated,
    finding,
    history_of,
    seed_pile,
    set_status,
)

BOOK = Rulebook()


def apply(url, ev, minutes=0.0, book=BOOK, **kw):
    with connect(url) as conn, conn.transaction():
        return apply_evaluation(conn, ev, book, at(minutes), **kw)


def run_tick(url, minutes, book=BOOK):
    with connect(url) as conn:
        return tick(conn, book, at(minutes))


def test_interval_helpers():
    assert overlaps(1.0, 1.5, 1.2, 2.0)
    assert not overlaps(1.0, 1.5, 1.5, 2.0)  # neighbouring bins are different alerts
    assert overlaps(10.0, 10.0, 10.0, 10.0)
    assert overlaps(None, None, None, None)
    assert not overlaps(None, None, 1.0, 2.0)
    assert list(bins_of(1.0, 1.5, 0.5)) == [2]
    assert list(bins_of(1.0, 2.0, 0.5)) == [2, 3]
    assert list(bins_of(3.0, 3.0, 0.5)) == [6]


def test_one_alert_per_interval_updated_not_duplicated(database_url):
    ev = evaluated([finding(value=30.0)], final=True)
    first = apply(database_url, ev)
    assert [c.action for c in first] == ["raised"]
    # the same evaluation again changes nothing
    assert apply(database_url, ev, 1) == []
    again = apply(database_url, evaluated([finding(value=28.0)], final=True, revision=2), 2)
    assert [c.action for c in again] == ["updated"]
    rows = alerts_of(database_url)
    assert len(rows) == 1
    assert rows[0]["value"] == 28.0 and rows[0]["pile_revision"] == 2
    assert rows[0]["updated_at"] == at(2) and rows[0]["raised_at"] == at(0)
    assert [h["action"] for h in history_of(database_url, rows[0]["id"])] == [
        "raised",
        "updated",
    ]
    # a neighbouring bin is its own alert
    apply(database_url, evaluated([finding(), finding(top=2.5, bottom=3.0)], final=True), 3)
    assert len(alerts_of(database_url)) == 2


def test_growing_sample_run_widens_one_alert(database_url):
    apply(database_url, evaluated([finding("pressure", 3.0, 3.4, 0.25, 0.4, "warning")]))
    apply(database_url, evaluated([finding("pressure", 3.0, 4.1, 0.22, 0.4, "warning")]), 1)
    (row,) = alerts_of(database_url)
    assert (row["depth_top_m"], row["depth_bottom_m"], row["value"]) == (3.0, 4.1, 0.22)


def test_live_bin_alert_before_pile_end(database_url):
    bin_finding = finding("bin_cement", 1.0, 1.5, 20.0, 41.25, "critical")
    # bin 2 (1.0–1.5 m) has not closed yet: no alert
    assert apply(database_url, evaluated([bin_finding], closed_bins=[0, 1])) == []
    # it closes: the alert is raised while the pile is still in progress
    changes = apply(database_url, evaluated([bin_finding], closed_bins=[2]), 1)
    assert [c.action for c in changes] == ["raised"]
    assert changes[0].alert["state"] == "open" and changes[0].alert["pile"] == "P-1"
    # pile-level rules wait for the end
    assert apply(database_url, evaluated([finding("depth", 9.0, 10.0, 9.0, 10.0)]), 2) == []
    end = apply(database_url, evaluated([bin_finding, finding("depth", 9.0, 10.0)], final=True), 3)
    assert [c.action for c in end] == ["raised"]  # depth; the bin alert is unchanged
    assert len(alerts_of(database_url)) == 2


def test_min_severity_and_disabled_rules(database_url):
    book = Rulebook({"rules": {"pressure": {"enabled": False}}})
    info = finding("bin_cement", 1.0, 1.5, 52.0, 55.0, "info")
    off = finding("pressure", 1.0, 2.0, 0.3, 0.4, "warning")
    assert apply(database_url, evaluated([info, off], final=True), book=book) == []
    loud = Rulebook({"rules": {"bin_cement": {"min_severity": "info"}}})
    (change,) = apply(database_url, evaluated([info], final=True), book=loud)
    assert change.alert["severity"] == "info"


def test_no_flapping_recovered_alert_is_kept_and_relapses(database_url):
    bad = finding("pressure", 3.0, 4.0, 0.25, 0.4, "warning")
    (raised,) = apply(database_url, evaluated([bad]))
    (rec,) = apply(database_url, evaluated([]), 1)
    assert rec.action == "recovered" and rec.alert_id == raised.alert_id
    assert apply(database_url, evaluated([]), 2) == []  # no second recovery
    (row,) = alerts_of(database_url)
    assert row["state"] == "open" and row["recovered_at"] == at(1) and row["value"] == 0.25
    (rel,) = apply(database_url, evaluated([bad]), 3)
    assert rel.action == "relapsed" and rel.alert_id == raised.alert_id
    (row,) = alerts_of(database_url)
    assert row["recovered_at"] is None and row["state"] == "open"
    actions = [h["action"] for h in history_of(database_url, row["id"])]
    assert actions == ["raised", "recovered", "relapsed"]


def test_live_bin_alert_not_recovered_by_evaluations_that_did_not_look(database_url):
    bin_finding = finding("bin_cement", 1.0, 1.5, 20.0, 41.25, "critical")
    apply(database_url, evaluated([bin_finding], closed_bins=[2]))
    assert apply(database_url, evaluated([], closed_bins=[3, 4]), 1) == []
    (rec,) = apply(database_url, evaluated([], closed_bins=[2]), 2)  # re-mixed on withdrawal
    assert rec.action == "recovered"


def test_resolved_alert_not_reraised_unless_worse(database_url):
    from alerts.lifecycle import resolve

    (c,) = apply(database_url, evaluated([finding(severity="warning")], final=True))
    with connect(database_url) as conn:
        resolve(conn, c.alert_id, "sup", "re-mixed", now=at(1))
    assert apply(database_url, evaluated([finding(severity="warning")], final=True), 2) == []
    (worse,) = apply(database_url, evaluated([finding(severity="critical")], final=True), 3)
    assert worse.action == "raised" and worse.alert_id != c.alert_id


def test_rig_silent_while_pile_in_progress(database_url):
    seed_pile(database_url, last_sample_t=at(0), rig_last_seen=at(0))
    assert run_tick(database_url, 4) == []
    (c,) = run_tick(database_url, 6)
    assert c.action == "raised" and c.alert["rule"] == "rig_silent"
    assert c.alert["pile"] == "P-1" and c.alert["severity"] == "warning"
    assert run_tick(database_url, 7) == []  # still silent: nothing new
    with connect(database_url) as conn:
        conn.execute("UPDATE piles SET last_sample_t = %s", (at(8),))
        conn.execute("UPDATE rigs SET last_seen = %s", (at(8),))
    (rec,) = run_tick(database_url, 8.5)
    assert rec.action == "recovered" and rec.alert_id == c.alert_id
    assert len(alerts_of(database_url, rule="rig_silent")) == 1


def test_rig_silent_uses_server_time_when_rig_clock_lags(database_url):
    # clock skew: the rig's timestamps are an hour behind, but the ingester saw it just now
    seed_pile(database_url, last_sample_t=at(-60), rig_last_seen=at(10))
    assert run_tick(database_url, 11) == []


def test_rig_silent_configurable_per_site(database_url):
    seed_pile(database_url, last_sample_t=at(0), rig_last_seen=at(0))
    book = Rulebook({"sites": {"S1": {"rules": {"rig_silent": {"after_min": 2}}}}})
    (c,) = run_tick(database_url, 3, book)
    assert c.alert["limit"] == 2.0


def test_rig_offline_only_while_pile_in_progress(database_url):
    seed_pile(database_url, rig="R1")
    seed_pile(database_url, pile="P-2", rig="R2", status="complete")
    set_status(database_url, "R1", False, at(0))
    set_status(database_url, "R2", False, at(0))
    changes = [c for c in run_tick(database_url, 2) if c.alert["rule"] == "rig_offline"]
    assert [(c.action, c.alert["rig"], c.alert["pile"]) for c in changes] == [
        ("raised", "R1", "P-1")
    ]
    assert changes[0].alert["severity"] == "critical"
    set_status(database_url, "R1", True, at(3))
    rec = [c for c in run_tick(database_url, 3) if c.alert["rule"] == "rig_offline"]
    assert [c.action for c in rec] == ["recovered"]
    # an idle rig is alerted too when only_in_progress is false
    book = Rulebook({"rules": {"rig_offline": {"only_in_progress": False}}})
    idle = [c for c in run_tick(database_url, 4, book) if c.alert["rule"] == "rig_offline"]
    assert [(c.alert["rig"], c.alert["pile"]) for c in idle] == [("R2", None)]


def test_escalation_of_unacknowledged_critical(database_url):
    book = Rulebook({"rules": {"bin_cement": {"escalate_after_min": 10}}})
    findings = [finding(severity="critical"), finding("pressure", 1, 2, severity="warning")]
    crit, _warning = apply(database_url, evaluated(findings, final=True))
    assert run_tick(database_url, 9, book) == []
    (esc,) = run_tick(database_url, 10, book)
    assert esc.action == "escalated" and esc.alert_id == crit.alert_id
    assert esc.alert["severity"] == "critical" and esc.alert["escalated_at"] is not None
    assert run_tick(database_url, 30, book) == []  # once
    with connect(database_url) as conn:
        events = conn.execute(
            "SELECT payload->>'action' AS action FROM alert_events WHERE alert_id = %s ORDER BY id",
            (crit.alert_id,),
        ).fetchall()
    assert [e["action"] for e in events] == ["raised", "escalated"]


def test_acknowledged_critical_is_not_escalated(database_url):
    from alerts.lifecycle import acknowledge

    (crit,) = apply(database_url, evaluated([finding(severity="critical")], final=True))
    with connect(database_url) as conn:
        acknowledge(conn, crit.alert_id, "sup", None, now=at(1))
    assert run_tick(database_url, 60) == []


def test_changes_notify_in_the_same_transaction(database_url):
    with connect(database_url) as listener:
        listener.execute("LISTEN pilewatch_alerts")
        (c,) = apply(database_url, evaluated([finding()], final=True))
        got = [n.payload for n in listener.notifies(timeout=2, stop_after=1)]
    assert got == [str(c.event_id)]
