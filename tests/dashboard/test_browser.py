"""A real browser against `pilewatch api` and `pilewatch dashboard` run as processes.

Debian's headless Chromium and chromedriver (installed here when missing and we are root),
driven by Selenium; every page is visited, its key elements checked in the DOM and a
screenshot saved under test-artifacts/. The site has 5,000 planned piles, so the overview
also shows how long the site map takes to appear in a browser.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from runtime.ports import free_port
from tests.dashboard import seed

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
PACKAGES = ("chromium", "chromium-driver", "fonts-wqy-microhei")
MAP_PILES = 5000


def _ensure_browser() -> tuple[str, str]:
    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if chromium is None or driver is None or not _has_cjk_font():
        if os.geteuid() != 0:
            pytest.skip("Debian chromium/chromium-driver missing and not root to apt-get them")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        install = ["apt-get", "install", "-y", "--no-install-recommends", *PACKAGES]
        done = subprocess.run(install, env=env, capture_output=True, text=True, timeout=900)
        if done.returncode != 0:  # the package lists may be stale: update once and retry
            subprocess.run(["apt-get", "update"], env=env, capture_output=True, timeout=600)
            done = subprocess.run(install, env=env, capture_output=True, text=True, timeout=900)
        if done.returncode != 0:
            pytest.skip(f"apt-get install {' '.join(PACKAGES)} failed: {done.stderr[-500:]}")
        chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if chromium is None or driver is None:
        pytest.skip("chromium or chromedriver not on PATH after installing")
    return chromium, driver


def _has_cjk_font() -> bool:
    try:
        out = subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return bool(out.stdout.strip())


def _wait(what: str, check: Callable[[], bool], timeout_s: float, logs: list[Path]) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except Exception:
            pass
        time.sleep(0.25)
    tails = "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-2000:]}" for p in logs)
    raise AssertionError(f"{what} not within {timeout_s} s\n{tails}")


def _start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    out = log.open("wb")
    return subprocess.Popen(
        [sys.executable, "-m", "cli.main", *args],
        cwd=ROOT,
        env=env,
        stdout=out,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


@pytest.fixture
def services(database_url: str, tmp_path: Path) -> Iterator[tuple[str, dict[str, object], list]]:
    site = seed.demo_site(database_url, planned_count=MAP_PILES)
    token = seed.token(database_url, "admin", "wall-screen")
    api_port, dash_port = free_port(), free_port()
    env = {
        **os.environ,
        "PILEWATCH_DATABASE_URL": database_url,
        "PILEWATCH_STATE_DIR": str(tmp_path / "state"),
        "PILEWATCH_API_URL": f"http://127.0.0.1:{api_port}",
        "PILEWATCH_API_TOKEN": token,
    }
    env.pop("PILEWATCH_MQTT_URL", None)
    logs = [tmp_path / "api.log", tmp_path / "dashboard.log"]
    procs = [
        _start(["api", "--port", str(api_port)], env, logs[0]),
        _start(["dashboard", "--port", str(dash_port)], env, logs[1]),
    ]
    try:
        api_url, dash_url = env["PILEWATCH_API_URL"], f"http://127.0.0.1:{dash_port}"
        _wait(
            "pilewatch api",
            lambda: httpx.get(f"{api_url}/api/v1/health", timeout=2).status_code == 200,
            60,
            logs,
        )
        _wait(
            "pilewatch dashboard",
            lambda: httpx.get(f"{dash_url}/_stcore/health", timeout=2).status_code == 200,
            60,
            logs,
        )
        yield dash_url, site, logs
    finally:
        for proc in procs:
            _stop(proc)


# url path, texts that must be in the page, at least this many charts and tables (the data
# grid draws its cells on a canvas, so a table is checked by its element, not its text)
PAGES = [
    ("", ("总览", "完成桩数", "在线机台", "桩位图", "机台列表"), 1, 1),
    ("rig", ("机台实时", "深度、流量、转速、压力", "分段水泥不足"), 2, 0),
    ("pile", ("单桩详情", "水泥用量剖面", "搅拌次数", "变异系数 CV", "下载检测报告"), 2, 0),
    ("alerts", ("告警", "确认告警", "处理记录"), 0, 2),
    ("quality", ("质量统计",), 0, 0),
    ("replay", ("回放与模拟", "模拟场景", "开始"), 0, 0),
    ("", ("总览", "桩位图", "共 5001 根桩"), 1, 1),  # again, warm: the figure to quote
]


def _driver(chromium: str, driver_path: str, tmp_path: Path) -> Any:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--window-size=1600,1100",
        "--lang=zh-CN",
        "--hide-scrollbars",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
    ):
        options.add_argument(arg)
    return webdriver.Chrome(
        service=Service(driver_path, log_output=str(tmp_path / "chromedriver.log")),
        options=options,
    )


def test_every_page_in_a_real_browser(services, tmp_path: Path) -> None:
    chromium, driver_path = _ensure_browser()
    from selenium.webdriver.common.by import By

    dash_url, _site, logs = services
    driver = _driver(chromium, driver_path, tmp_path)
    driver.set_page_load_timeout(60)
    ARTIFACTS.mkdir(exist_ok=True)
    timings: dict[str, float] = {}
    try:
        for path, texts, min_charts, min_tables in PAGES:
            name = path or "overview"
            name = f"{name}-warm" if name in timings else name
            started = time.monotonic()
            driver.get(f"{dash_url}/{path}")

            def ready(
                texts: tuple[str, ...] = texts,
                min_charts: int = min_charts,
                min_tables: int = min_tables,
            ) -> bool:
                body = driver.find_element(By.TAG_NAME, "body").text
                charts = driver.find_elements(
                    By.CSS_SELECTOR, ".vega-embed canvas, .vega-embed svg"
                )
                running = driver.find_elements(By.CSS_SELECTOR, '[data-testid="stStatusWidget"]')
                return (
                    all(t in body for t in texts)
                    and len(charts) >= min_charts
                    and not (running and "Running" in running[0].text)
                )

            try:
                _wait(f"page {name!r} with {texts}", ready, 90, logs)
            except AssertionError as exc:
                driver.save_screenshot(str(ARTIFACTS / f"dashboard-{name}-FAILED.png"))
                body = driver.find_element(By.TAG_NAME, "body").text
                raise AssertionError(f"{exc}\n--- page text\n{body[:3000]}") from None
            timings[name] = time.monotonic() - started
            body = driver.find_element(By.TAG_NAME, "body").text
            assert "Traceback" not in body, body[:2000]
            time.sleep(0.5)  # let the last chart paint before the screenshot
            driver.save_screenshot(str(ARTIFACTS / f"dashboard-{name}.png"))
        (ARTIFACTS / "dashboard-browser-timings.txt").write_text(
            "".join(f"{k}: {v:.2f} s\n" for k, v in timings.items())
            + f"site map piles: {MAP_PILES + 1}\n",
            encoding="utf-8",
        )
    finally:
        driver.quit()
    # The overview with 5,000 piles: signed in, figures, map and rigs drawn in the browser.
    assert timings["overview"] < 30, timings
    assert timings["overview-warm"] < 15, timings


UP_PAGES = [
    ("", ("总览", "桩位图", "机台列表")),
    ("rig", ("机台实时",)),
    ("pile", ("单桩详情",)),
    ("alerts", ("告警",)),
    ("quality", ("质量统计",)),
    ("replay", ("回放与模拟",)),
]


def test_pilewatch_up_in_a_real_browser(tmp_path: Path) -> None:
    """The newcomer's view: `pilewatch up` with nothing configured, every page in Chromium."""
    from selenium.webdriver.common.by import By

    from tests.runtime.up_process import read_banner, start_up

    chromium, driver_path = _ensure_browser()
    up = start_up(tmp_path / "state", piles=9)
    logs = sorted((tmp_path / "state" / "logs").glob("*.log"))
    try:
        banner = read_banner(up, 120)
        logs = sorted((tmp_path / "state" / "logs").glob("*.log"))
        driver = _driver(chromium, driver_path, tmp_path)
        driver.set_page_load_timeout(60)
        ARTIFACTS.mkdir(exist_ok=True)
        try:
            for path, texts in UP_PAGES:
                driver.get(f"{banner['dashboard']}/{path}")

                def ready(texts: tuple[str, ...] = texts) -> bool:
                    body = driver.find_element(By.TAG_NAME, "body").text
                    return all(t in body for t in texts)

                _wait(f"page {path or 'overview'!r} of pilewatch up", ready, 90, logs)
                assert "Traceback" not in driver.find_element(By.TAG_NAME, "body").text
                time.sleep(1.0)
                driver.save_screenshot(str(ARTIFACTS / f"up-{path or 'overview'}.png"))
        finally:
            driver.quit()
    finally:
        up.send_signal(signal.SIGINT)
        try:
            up.wait(60)
        except subprocess.TimeoutExpired:
            up.kill()
    assert up.returncode == 0
