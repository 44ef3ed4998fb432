"""Every dashboard page under Streamlit's AppTest against a real API over a seeded database."""

from __future__ import annotations

import contextlib
import datetime
import time
from pathlib import Path

import httpx
import pytest

from dashboard.client import LIVE_TTL_S
from tests.dashboard import seed
from tests.dashboard.conftest import Api, app_test, no_failures, texts

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def needs(api: Api, method: str, path: str) -> None:
    """The page under test depends on this endpoint: its absence is a failure, not a skip."""
    spec = httpx.get(f"{api.url}/openapi.json", timeout=10).json()
    assert method.lower() in spec.get("paths", {}).get(path, {}), f"{method} {path} missing"


def charts(at) -> list:
    return at.get("vega_lite_chart")


def test_login_form_then_sign_in(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    at = app_test(monkeypatch, api, None)
    at.run()
    assert "登录" in texts(at)
    at.text_input[0].input("pw_not-a-token")
    at.button[0].click().run()
    assert any("令牌无效" in e.value for e in at.error)  # a message, not a traceback
    assert not at.exception
    at.text_input[0].input(api.token("engineer"))
    at.button[0].click().run()
    no_failures(at)
    assert "总览" in texts(at)


def test_environment_token_signs_in(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    at = app_test(monkeypatch, api, "integrity")
    at.run()
    no_failures(at)
    assert "质检" in texts(at)  # the role, in Chinese


def test_overview(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    needs(api, "get", "/api/v1/sites/{site}/map")
    needs(api, "get", "/api/v1/sites/{site}/today")
    needs(api, "get", "/api/v1/rigs")
    at = app_test(monkeypatch, api, "engineer")
    at.run()
    no_failures(at)
    shown = texts(at)
    for label in ("总览", "完成桩数", "处理米数", "合格率", "在线机台", "桩位图", "机台列表"):
        assert label in shown, label
    assert len(charts(at)) == 1  # the site map: one chart, however many piles
    online = next(m for m in at.metric if m.label == "在线机台")
    assert online.value == "1 / 2"
    assert any("R01" in str(df.value) for df in at.dataframe)


def test_overview_in_english(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    at = app_test(monkeypatch, api, "engineer", lang="en")
    at.run()
    no_failures(at)
    shown = texts(at)
    assert "Overview" in shown and "Site map" in shown
    assert "总览" not in shown


def test_rig_live_shows_short_bin_banner(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    needs(api, "get", "/api/v1/rigs")
    needs(api, "get", "/api/v1/alerts")
    at = app_test(monkeypatch, api, "engineer")
    at.run()
    at.switch_page("views/rig.py").run()
    assert not at.exception
    shown = texts(at)
    assert "机台实时" in shown
    assert api.site["in_progress"] in shown  # R01's current pile
    assert any("分段水泥不足" in e.value for e in at.error)
    assert len(charts(at)) == 2  # traces and per-bin cement


def test_pile_detail(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    needs(api, "get", "/api/v1/piles/{pile}")
    at = app_test(monkeypatch, api, "engineer")
    at.session_state["pile"] = api.site["fail"]
    at.run()
    at.switch_page("views/pile.py").run()
    assert not at.exception
    shown = texts(at)
    for label in ("单桩详情", "水泥用量剖面", "搅拌次数", "变异系数 CV", "等级", "原始曲线"):
        assert label in shown, label
    assert any("判定：不合格" in e.value for e in at.error)
    assert "cement below 75% of design" in shown  # the reason
    assert len(charts(at)) >= 2  # profile, blade passes (+ traces)
    assert any(b.label == "下载检测报告（PDF）" for b in at.button)


def test_alerts_supervisor_acknowledges(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    needs(api, "get", "/api/v1/alerts")
    needs(api, "post", "/api/v1/alerts/{alert_id}/ack")
    at = app_test(monkeypatch, api, "supervisor")
    at.run()
    at.switch_page("views/alerts.py").run()
    no_failures(at)
    assert "共 2 条告警" in texts(at)
    at.selectbox(key="alerts_pick").set_value(api.site["open_alert"]).run()
    at.text_area(key="alert_comment").input("已通知机手复喷")
    next(b for b in at.button if b.label == "确认告警").click().run()
    no_failures(at)
    assert any("已更新告警" in s.value for s in at.success)
    at.selectbox(key="alerts_state").set_value("acknowledged").run()
    at.selectbox(key="alerts_pick").set_value(api.site["open_alert"]).run()
    shown = texts(at)
    assert "已确认" in shown
    history = [df.value.to_csv() for df in at.dataframe]
    assert any("已通知机手复喷" in h for h in history), history


def test_alerts_engineer_cannot_act(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    needs(api, "get", "/api/v1/alerts")
    at = app_test(monkeypatch, api, "engineer")
    at.run()
    at.switch_page("views/alerts.py").run()
    no_failures(at)
    assert "只有监理或管理员可以确认和解决告警。" in texts(at)
    assert not [b for b in at.button if b.label in ("确认告警", "解决告警")]


def test_quality(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    needs(api, "get", "/api/v1/sites/{site}/statistics")
    at = app_test(monkeypatch, api, "integrity")
    at.run()
    at.switch_page("views/quality.py").run()
    assert not at.exception
    at.date_input(key="q_from").set_value(datetime.date(2026, 11, 1))
    at.date_input(key="q_to").set_value(datetime.date(2026, 11, 30)).run()
    no_failures(at)
    shown = texts(at)
    for label in ("质量统计", "每日合格率", "各机台分布", "控制图", "均匀性趋势", "机台对比"):
        assert label in shown, label
    finished = next(m for m in at.metric if m.label == "完成桩数")
    assert finished.value == "3"  # two planned piles and the unplanned one, all finished
    assert len(charts(at)) >= 2  # pass rate by day and at least one control chart


def test_replay_for_engineer_only(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    needs(api, "get", "/api/v1/replays")
    at = app_test(monkeypatch, api, "engineer")
    at.run()
    at.switch_page("views/replay.py").run()
    no_failures(at)
    assert "回放与模拟" in texts(at)
    assert "mixed" in at.selectbox(key="replay_scenario").options
    next(b for b in at.button if b.label == "开始").click().run()
    assert not at.exception  # the test API has no broker: a 409 shown as a message
    assert any("409" in e.value and "broker" in e.value for e in at.error)
    supervisor = app_test(monkeypatch, api, "supervisor")
    supervisor.run()
    with contextlib.suppress(ValueError):  # not a registered page for this role
        supervisor.switch_page("views/replay.py").run()
    assert "回放与模拟" not in texts(supervisor)


def test_api_unreachable_is_a_message(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    at = app_test(monkeypatch, api, "engineer")
    monkeypatch.setenv("PILEWATCH_API_URL", "http://127.0.0.1:9")
    at.run()
    assert not at.exception
    assert any("无法连接接口" in e.value for e in at.error)


def test_overview_with_5000_piles_stays_fast(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    """One scatter over 5,000 piles: the whole overview script (API calls, frame, chart spec)
    and a refresh run well under the refresh interval."""
    with seed.connect(api.database_url) as conn:
        seed.site(conn, "BIG", "5000 piles")
        seed.planned(conn, "BIG", 5000, prefix="B", cols=100)
    at = app_test(monkeypatch, api, "engineer")
    at.session_state["site"] = "BIG"
    started = time.perf_counter()
    at.run()
    first = time.perf_counter() - started
    no_failures(at)
    assert "共 5000 根桩" in texts(at)
    assert len(charts(at)) == 1
    time.sleep(LIVE_TTL_S)  # past the cache: a refresh fetches the map again
    started = time.perf_counter()
    at.run()
    again = time.perf_counter() - started
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "dashboard-overview-5000.txt").write_text(
        f"AppTest overview run with 5000 piles: first {first:.2f} s, refresh {again:.2f} s\n",
        encoding="utf-8",
    )
    assert again < 5.0, (first, again)
