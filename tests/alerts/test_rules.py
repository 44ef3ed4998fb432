from __future__ import annotations

import json
from dataclasses import fields

import pytest

from alerts.rulebook import ANY, Rulebook, RuleRow, load_rulebook, read_rules_file, save_rule
from alerts.rules import LIMIT_OWNER, RULES, RulesError
from analytics.limits import THREE_AXIS, AcceptanceLimits
from storage.db import connect

FINDING_RULES = {
    "bin_cement", "stroke_cement", "total_cement", "depth", "withdrawal_speed",
    "withdrawal_speed_low", "penetration_speed", "penetration_speed_low", "pressure", "wc",
    "density", "density_mean", "tilt", "bottom_dwell", "slurry_interruption", "blade_passes",
    "mixing_count", "process_passes",
}  # fmt: skip


def test_catalogue_covers_every_analytics_rule_and_limit():
    assert set(RULES) >= FINDING_RULES
    assert {"rig_silent", "rig_offline"} <= set(RULES)
    assert {f.name for f in fields(AcceptanceLimits)} == set(LIMIT_OWNER)


def issue_of(exc: pytest.ExceptionInfo[RulesError]):
    assert len(exc.value.issues) == 1, exc.value.issues
    return exc.value.issues[0]


@pytest.mark.parametrize(
    ("data", "rule", "field", "words"),
    [
        ({"rules": {"pressure": {"pressure_min_mpa": "high"}}}, "pressure", "pressure_min_mpa",
         "number"),
        ({"rules": {"pressure": {"enabled": "yes"}}}, "pressure", "enabled", "true or false"),
        ({"rules": {"tilt": {"severity": "fatal"}}}, "tilt", "severity", "one of"),
        ({"rules": {"tilt": {"max_speed": 1}}}, "tilt", "max_speed", "unknown field"),
        ({"rules": {"wobble": {"enabled": True}}}, "wobble", "enabled", "unknown rule"),
        ({"rules": {"rig_silent": {"after_min": -1}}}, "rig_silent", "after_min", "≥ 0"),
        ({"rules": {"blade_passes": {"mixing_rule": "any"}}}, "blade_passes", "mixing_rule",
         "one of"),
        ({"common": {"max_findings_per_rule": 2.5}}, "common", "max_findings_per_rule",
         "integer"),
        ({"sites": {"K12": {"pile_types": {"4S2P": {"rules": {"wc": {"wc_max": None, "x": 1}}}}}}},
         "wc", "x", "unknown field"),
    ],
)  # fmt: skip
def test_invalid_settings_name_rule_and_field(data, rule, field, words):
    with pytest.raises(RulesError) as exc:
        Rulebook(data, source="site.toml")
    issue = issue_of(exc)
    assert (issue.rule, issue.field) == (rule, field)
    assert words in issue.reason
    assert f"rule {rule!r} field {field!r}" in str(exc.value)
    assert "site.toml" in str(exc.value)


def test_cross_field_limits_checked_for_each_site_and_type():
    data = {"sites": {"K12": {"rules": {"pressure": {"pressure_min_mpa": 0.7}}}}}
    with pytest.raises(RulesError) as exc:
        Rulebook(data)
    issue = issue_of(exc)
    assert issue.rule == "pressure" and "pressure_min_mpa" in issue.field
    assert "K12" in str(exc.value)


def test_all_issues_reported_at_once():
    data = {"rules": {"tilt": {"severity": 1}, "wc": {"wc_min": "x"}}, "nonsense": 1}
    with pytest.raises(RulesError) as exc:
        Rulebook(data)
    assert {(i.rule, i.field) for i in exc.value.issues} == {
        ("tilt", "severity"), ("wc", "wc_min"), ("", "nonsense"),
    }  # fmt: skip


def test_precedence_and_pile_types():
    book = Rulebook(
        {
            "rules": {"tilt": {"max_tilt_deg": 0.5}, "rig_silent": {"after_min": 7}},
            "pile_types": {"4S2P": {"rules": {"tilt": {"max_tilt_deg": 0.4}}}},
            "sites": {
                "K12": {
                    "rules": {"tilt": {"max_tilt_deg": 0.3}},
                    "pile_types": {"4S2P": {"rules": {"tilt": {"enabled": False}}}},
                }
            },
        },
        [RuleRow("K12", "4S2P", "rig_silent", {"after_min": 2})],
    )
    assert book.for_pile("X").limits.max_tilt_deg == 0.5
    assert book.for_pile("X", ["4S2P"]).limits.max_tilt_deg == 0.4
    assert book.for_pile("K12").limits.max_tilt_deg == 0.3
    k12 = book.for_pile("K12", ["4S2P"])
    assert not k12.rule("tilt").enabled and k12.limits.max_tilt_deg == 0.3
    assert k12.rule("rig_silent").param("after_min") == 2
    assert book.for_pile("K12").rule("rig_silent").param("after_min") == 7
    # three-axis rigs start from the three-axis limits
    assert book.for_pile("X", ["three_axis"]).limits.wc_min == THREE_AXIS.wc_min


def test_digest_is_stable_and_tracks_effective_rules():
    a = Rulebook({"rules": {"tilt": {"max_tilt_deg": 0.5}}})
    b = Rulebook({"rules": {"tilt": {"max_tilt_deg": 0.5}}})
    assert a.for_pile("S").digest == b.for_pile("S").digest
    assert len(a.for_pile("S").digest) == 64
    assert a.for_pile("S").digest != Rulebook().for_pile("S").digest
    # a setting equal to the default does not change the effective set
    assert Rulebook({"rules": {"wc": {"wc_min": 0.55}}}).for_pile("S").digest == (
        Rulebook().for_pile("S").digest
    )
    assert a.for_pile("S").digest == a.for_pile("T").digest


def test_files_toml_and_json(tmp_path):
    toml = tmp_path / "rules.toml"
    toml.write_text("[rules.tilt]\nmax_tilt_deg = 0.25\n[sites.K12.rules.wc]\nenabled = false\n")
    js = tmp_path / "rules.json"
    js.write_text(json.dumps({"rules": {"tilt": {"max_tilt_deg": 0.25}}}))
    assert read_rules_file(toml)["rules"]["tilt"]["max_tilt_deg"] == 0.25
    book = load_rulebook(None, toml)
    assert book.for_pile("S").limits.max_tilt_deg == 0.25
    assert load_rulebook(None, js).for_pile("S").digest == book.for_pile("S").digest
    bad = tmp_path / "rules.toml"
    bad.write_text("[rules.tilt\n")
    with pytest.raises(RulesError, match="cannot parse"):
        read_rules_file(bad)


def test_rules_from_the_database(database_url):
    with connect(database_url) as conn:
        save_rule(conn, "rig_silent", {"after_min": 3}, site_id="S1")
        save_rule(conn, "common", {"min_violation_s": 8})
        with pytest.raises(RulesError) as exc:
            save_rule(conn, "pressure", {"pressure_max_mpa": "x"}, pile_type="4S2P")
        assert (exc.value.issues[0].rule, exc.value.issues[0].field) == (
            "pressure",
            "pressure_max_mpa",
        )
        book = load_rulebook(conn)
    assert book.for_pile("S1").rule("rig_silent").param("after_min") == 3
    assert book.for_pile("S2").rule("rig_silent").param("after_min") == 5.0
    assert book.for_pile(ANY).limits.min_violation_s == 8
