from analytics.findings import Finding, interval_text, sort_findings


def test_sorting_and_failing() -> None:
    a = Finding("x", "info", 1.0, 1.5, 1.0, 2.0, "a")
    b = Finding("y", "critical", 3.0, 3.5, 1.0, 2.0, "b")
    c = Finding("z", "warning", None, None, None, None, "c")
    d = Finding("y", "critical", 0.5, 1.0, 1.0, 2.0, "d")
    assert [f.message for f in sort_findings([a, b, c, d])] == ["d", "b", "c", "a"]
    assert [f.fails for f in (a, b, c)] == [False, True, True]
    assert b.to_dict()["depth_top_m"] == 3.0
    assert interval_text(3.0, 3.5) == "3.0–3.5 m"
