from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from alerts.rulebook import load_rulebook
from piles.evaluator import evaluate_and_store
from piles.live_service import recompute_all
from simulators.mqtt_conn import OutMsg
from simulators.runner import simulate_to_memory
from simulators.site import generate_plan
from storage.db import connect
from tests.piles.builders import is_pile_end, store_messages, store_plan


def test_complete_normal_pile_passes_with_profile_and_no_alerts(database_url: str) -> None:
    plan = generate_plan("S1", 1, seed=4, length_m=(6.0, 6.0))
    _report, messages = simulate_to_memory("S1", 1, "normal", seed=4, piles=1, plan=plan)
    store_plan(database_url, "S1", plan)
    store_messages(database_url, messages)
    with connect(database_url) as conn:
        evaluated = evaluate_and_store(
            conn, "S1", plan[0].pile, rulebook=load_rulebook(conn), now=datetime.now(UTC)
        )
        assert evaluated is not None
        row = conn.execute("SELECT * FROM piles").fetchone()
        alerts = conn.execute("SELECT count(*) AS n FROM alerts").fetchone()
    assert evaluated.final and evaluated.status == "complete"
    assert row is not None
    assert row["status"] == "complete" and row["verdict"] == "pass", row["reasons"]
    assert row["depth_reached_m"] >= 6.0
    assert len(row["profile"]) == 12  # 6 m in 0.5 m bins
    assert all(b["cement_kg_m"] >= 55.0 for b in row["profile"])
    assert row["revision"] == 1 and row["rules_digest"] and row["analytics_version"]
    assert alerts is not None and alerts["n"] == 0


def test_under_dosage_alert_is_raised_while_the_rig_is_still_on_the_pile(
    database_url: str,
) -> None:
    plan = generate_plan("S1", 1, seed=5, length_m=(8.0, 8.0))
    report, messages = simulate_to_memory(
        "S1", 1, "under_dosage", seed=5, piles=1, plan=plan, batch_s=5
    )
    truth = [g for g in report.ground_truth if g.kind == "under_dosage"]
    assert truth, report.ground_truth
    store_plan(database_url, "S1", plan)
    end = next(i for i, m in enumerate(messages) if is_pile_end(m))
    raised_before_end = False
    with connect(database_url) as conn:
        rulebook = load_rulebook(conn)
        for start in range(0, end, 6):
            store_messages(database_url, messages[start : min(start + 6, end)])
            evaluate_and_store(conn, "S1", plan[0].pile, rulebook=rulebook, now=datetime.now(UTC))
            found = conn.execute(
                "SELECT * FROM alerts WHERE rule = 'bin_cement' AND severity <> 'info'"
            ).fetchall()
            if found:
                raised_before_end = True
                break
        assert raised_before_end, "no dosage alert before pile_end"
        pile = conn.execute("SELECT status FROM piles").fetchone()
        assert pile is not None and pile["status"] == "in_progress"
        alert = found[0]
        # The alert names the interval, the value and the limit, inside the injected fault.
        assert alert["value"] < alert["limit_value"]
        assert alert["depth_top_m"] < truth[0].depth_bottom_m
        assert alert["depth_bottom_m"] > truth[0].depth_top_m
        assert "kg/m" in alert["message"]


def test_recompute_from_raw_telemetry_gives_the_same_result(database_url: str) -> None:
    plan = generate_plan("S1", 2, seed=6, length_m=(5.0, 7.0))
    _report, messages = simulate_to_memory("S1", 1, "normal", seed=6, piles=2, plan=plan)
    store_plan(database_url, "S1", plan)
    store_messages(database_url, messages)
    with connect(database_url) as conn:
        rulebook = load_rulebook(conn)
    assert recompute_all(database_url, rulebook) == 2
    with connect(database_url) as conn:
        first = conn.execute(
            "SELECT pile_id, summary, profile, verdict FROM piles ORDER BY pile_id"
        ).fetchall()
    assert recompute_all(database_url, rulebook, site="S1") == 2
    with connect(database_url) as conn:
        second = conn.execute(
            "SELECT pile_id, summary, profile, verdict, revision FROM piles ORDER BY pile_id"
        ).fetchall()
    assert [(r["pile_id"], r["summary"], r["profile"], r["verdict"]) for r in second] == [
        (r["pile_id"], r["summary"], r["profile"], r["verdict"]) for r in first
    ]
    assert all(r["revision"] == 2 for r in second)


def test_position_off_plan_and_rig_daily_slurry_raise_their_alerts(database_url: str) -> None:
    plan = generate_plan("S1", 1, seed=4, length_m=(6.0, 6.0))
    _report, messages = simulate_to_memory("S1", 1, "normal", seed=4, piles=1, plan=plan)
    moved = []
    for m in messages:
        if m.topic.endswith("/event") and b'"pile_start"' in m.payload:
            body = json.loads(m.payload)
            body["x"], body["y"] = plan[0].x_m + 0.06, plan[0].y_m + 0.08  # 100 mm off
            m = OutMsg(m.topic, json.dumps(body).encode(), m.retain)
        moved.append(m)
    store_plan(database_url, "S1", plan)
    store_messages(database_url, moved)
    with connect(database_url) as conn:
        rig = conn.execute("SELECT DISTINCT rig_id FROM telemetry").fetchone()
        last = conn.execute("SELECT max(t) AS t FROM telemetry").fetchone()
        assert rig is not None and last is not None
        # An earlier pile of the same rig that day: 10 bins of 1 m at 10,000 L/m = 100 m³.
        profile = [{"top_m": k, "bottom_m": k + 1, "slurry_l_m": 10_000.0} for k in range(10)]
        conn.execute(
            "INSERT INTO piles (site_id, pile_id, rig_id, status, last_sample_t, profile)"
            " VALUES ('S1', 'EARLIER', %s, 'complete', %s - interval '2 hours', %s)",
            (rig["rig_id"], last["t"], json.dumps(profile)),
        )
        evaluate_and_store(
            conn, "S1", plan[0].pile, rulebook=load_rulebook(conn), now=datetime.now(UTC)
        )
        alerts = {
            r["rule"]: r
            for r in conn.execute("SELECT rule, value, limit_value, message FROM alerts")
        }
    assert alerts["position"]["value"] == pytest.approx(100.0)
    assert alerts["position"]["limit_value"] == 50.0
    assert alerts["rig_daily_slurry"]["value"] > 100.0
    assert "m³ of slurry in 24 h" in alerts["rig_daily_slurry"]["message"]
