from __future__ import annotations

import json

from click.testing import CliRunner

from alerts.scoring import RaisedAlert, format_table, matches, score, total
from simulators.scenarios import GroundTruth, write_ground_truth
from storage.db import connect
from tests.alerts.builders import at, evaluated, finding

TRUTH = [
    GroundTruth("R1", "P-1", "under_dosage", 4.0, 5.5),
    GroundTruth("R2", "P-2", "withdrawal_too_fast", 3.0, 4.0),
    GroundTruth("R3", "P-3", "interruption_ok", 5.0, 6.0, {"defect": False}),
    GroundTruth("R4", "P-4", "rig_offline", 2.0, 3.0),
    GroundTruth("R5", "P-5", "clock_skew", 0.0, 10.0),
    GroundTruth("R6", "P-6", "tilt", 0.0, 10.0),
]


def alert(rig, pile, rule, top=None, bottom=None):
    return RaisedAlert(rig, pile, rule, top, bottom)


def test_matching_rules():
    t = TRUTH[0]
    assert matches(alert("R1", "P-1", "bin_cement", 4.5, 5.0), t)
    assert matches(alert("R1", "P-1", "bin_cement", 5.5, 6.0), t)  # within 0.5 m
    assert not matches(alert("R1", "P-1", "bin_cement", 6.5, 7.0), t)
    assert not matches(alert("R1", "P-1", "pressure", 4.5, 5.0), t)  # kind ↛ rule
    assert not matches(alert("R1", "P-9", "bin_cement", 4.5, 5.0), t)
    assert not matches(alert("R2", "P-1", "bin_cement", 4.5, 5.0), t)
    assert matches(alert(None, "P-1", "total_cement", 0.0, 12.0), t)
    assert matches(alert("R4", "P-4", "rig_offline"), TRUTH[3])  # no interval: pile alone


def test_known_answer_per_rule():
    alerts = [
        alert("R1", "P-1", "bin_cement", 4.0, 4.5),  # TP
        alert("R1", "P-1", "bin_cement", 4.5, 5.0),  # TP (same truth)
        alert("R1", "P-1", "bin_cement", 9.0, 9.5),  # FP: far from the interval
        alert("R1", "P-1", "total_cement", 0.0, 12.0),  # TP (accepted for under_dosage)
        alert("R3", "P-3", "slurry_interruption", 5.0, 6.0),  # FP: covered, not a defect
        alert("R4", "P-4", "rig_offline"),  # TP
        alert("R5", "P-5", "pressure", 1.0, 2.0),  # FP: clock skew is no fault
        alert("R6", "P-6", "tilt", 0.5, 9.0),  # TP
    ]
    got = {s.rule: s for s in score(alerts, TRUTH)}
    assert set(got) == {
        "bin_cement", "total_cement", "slurry_interruption", "rig_offline", "pressure",
        "tilt", "withdrawal_speed",
    }  # fmt: skip
    bc = got["bin_cement"]
    assert (bc.alerts, bc.true_alerts, bc.truths, bc.found) == (3, 2, 1, 1)
    assert bc.precision == 2 / 3 and bc.recall == 1.0
    ws = got["withdrawal_speed"]  # missed: no alert at all
    assert (ws.alerts, ws.truths, ws.found, ws.precision, ws.recall) == (0, 1, 0, None, 0.0)
    si = got["slurry_interruption"]
    assert (si.precision, si.recall) == (0.0, None)
    assert got["total_cement"].precision == 1.0 and got["total_cement"].truths == 0
    assert got["rig_offline"].recall == 1.0 and got["tilt"].recall == 1.0
    all_ = total(got.values())
    assert (all_.alerts, all_.true_alerts, all_.truths, all_.found) == (8, 5, 4, 3)
    table = format_table(score(alerts, TRUTH))
    lines = table.splitlines()
    assert lines[0].split() == ["rule", "alerts", "true", "precision", "truths", "found", "recall"]
    assert any(line.split() == ["bin_cement", "3", "2", "0.67", "1", "1", "1.00"] for line in lines)
    assert lines[-1].split() == ["all", "8", "5", "0.62", "4", "3", "0.75"]


def test_evaluate_command_reads_alerts_from_the_database(database_url, tmp_path, monkeypatch):
    from alerts.engine import apply_evaluation
    from alerts.rulebook import Rulebook
    from cli.main import main

    with connect(database_url) as conn:
        apply_evaluation(
            conn,
            evaluated([finding(top=4.0, bottom=4.5)], site="S1", pile="P-1", final=True),
            Rulebook(),
            at(0),
        )
        apply_evaluation(
            conn,
            evaluated([finding(top=1.0, bottom=1.5)], site="S2", pile="P-1", final=True),
            Rulebook(),
            at(0),
        )
    path = tmp_path / "truth.json"
    write_ground_truth(path, TRUTH[:2])
    monkeypatch.setenv("PILEWATCH_DATABASE_URL", database_url)
    result = CliRunner().invoke(main, ["evaluate", str(path), "--site", "S1"])
    assert result.exit_code == 0, result.output
    rows = {line.split()[0]: line.split() for line in result.output.splitlines() if line}
    assert rows["bin_cement"] == ["bin_cement", "1", "1", "1.00", "1", "1", "1.00"]
    assert rows["withdrawal_speed"][-1] == "0.00"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([{"nope": 1}]))
    result = CliRunner().invoke(main, ["evaluate", str(bad)])
    assert result.exit_code != 0 and "not a ground-truth file" in result.output


def test_check_rules_command(tmp_path):
    from cli.main import main

    good = tmp_path / "rules.toml"
    good.write_text("[rules.tilt]\nmax_tilt_deg = 0.3\n")
    result = CliRunner().invoke(main, ["alerts", "check-rules", str(good)])
    assert result.exit_code == 0 and "digest" in result.output
    bad = tmp_path / "bad.toml"
    bad.write_text("[rules.tilt]\nmax_tilt = 0.3\n")
    result = CliRunner().invoke(main, ["alerts", "check-rules", str(bad)])
    assert result.exit_code != 0
    assert "rule 'tilt' field 'max_tilt'" in result.output


def test_physical_consequences_are_accepted() -> None:
    cases = [
        ("wc_drift", 0.0, 10.0, "bin_cement", 4.5, 5.0),
        ("wc_drift", 0.0, 10.0, "total_cement", 0.0, 10.0),
        ("density_drift", 0.0, 10.0, "total_cement", 0.0, 10.0),
        ("density_drift", 0.0, 10.0, "bin_cement", 2.0, 2.5),
        ("withdrawal_too_fast", 4.0, 6.0, "bin_cement", 4.5, 5.0),
        ("slurry_interruption_gap", 3.7, 4.7, "process_passes", 4.0, 5.0),
    ]
    for kind, top, bottom, rule, a_top, a_bottom in cases:
        truth = GroundTruth("R1", "P-1", kind, top, bottom)
        assert matches(alert("R1", "P-1", rule, a_top, a_bottom), truth), (kind, rule)
    # still nothing unrelated: a drift of w/c does not tilt the mast
    assert not matches(alert("R1", "P-1", "tilt"), GroundTruth("R1", "P-1", "wc_drift", 0, 10))
    # and the depth still matters: a bin far from the fast interval is no detection
    fast = GroundTruth("R1", "P-1", "withdrawal_too_fast", 4.0, 6.0)
    assert not matches(alert("R1", "P-1", "bin_cement", 8.0, 8.5), fast)


def test_truth_expecting_no_alert_is_no_miss_and_must_not_alarm() -> None:
    outage = GroundTruth(
        "R1", "P-1", "link_outage", 3.4, 4.6, {"expect_alert": False, "max_outage_s": 103.0}
    )
    rows = {s.rule: s for s in score([], [outage])}
    assert "rig_silent" not in rows  # no recall owed
    assert total(rows.values()).truths == 0
    silent = alert("R1", "P-1", "rig_silent")
    assert not matches(silent, outage)
    (row,) = score([silent], [outage])
    assert (row.rule, row.alerts, row.true_alerts) == ("rig_silent", 1, 0)  # a false alarm
    # an outage that does expect rig_silent is still scored as before
    long = GroundTruth("R1", "P-1", "link_outage", 3.4, 9.6, {"expect_alert": True})
    (row,) = score([silent], [long])
    assert (row.truths, row.found, row.true_alerts) == (1, 1, 1)
