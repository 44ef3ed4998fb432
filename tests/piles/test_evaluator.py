from __future__ import annotations

from datetime import UTC, datetime

from alerts.rulebook import load_rulebook
from piles.evaluator import evaluate_and_store
from piles.live_service import recompute_all
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
