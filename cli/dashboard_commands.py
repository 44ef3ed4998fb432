"""`pilewatch dashboard` (contract §4): the Streamlit dashboard as its own process.

It reads the API only (PILEWATCH_API_URL, PILEWATCH_API_TOKEN); `streamlit run` is started
headless on the app file with the repository on PYTHONPATH, so it works from a checkout as
well as from an installed package.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import click

APP = Path(__file__).resolve().parents[1] / "dashboard" / "app.py"


def streamlit_command(host: str, port: int, python: str = sys.executable) -> list[str]:
    """The argv that serves the dashboard on ``host:port``."""
    return [
        python,
        "-m",
        "streamlit",
        "run",
        str(APP),
        "--server.headless=true",
        f"--server.address={host}",
        f"--server.port={port}",
        "--server.fileWatcherType=none",
        "--server.runOnSave=false",
        "--browser.gatherUsageStats=false",
        # API failures are shown as messages by the pages; anything unexpected must not put
        # a traceback on a site-office wall screen either.
        "--client.showErrorDetails=none",
        "--client.toolbarMode=viewer",
        "--theme.base=light",
    ]


def streamlit_env(base: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ if base is None else base)
    root = str(APP.parents[1])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH", "")) if p)
    env.setdefault("STREAMLIT_BROWSER_GATHER_USAGE_STATS", "false")
    return env


@click.command("dashboard")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8501, show_default=True, type=click.IntRange(1, 65535))
def dashboard(host: str, port: int) -> None:
    """Run the Streamlit dashboard (reads the API at PILEWATCH_API_URL)."""
    click.echo(f"dashboard on http://{host}:{port}", err=True)
    proc = subprocess.Popen(streamlit_command(host, port), env=streamlit_env())

    def _forward(signum: int, frame: object) -> None:
        proc.send_signal(signum)

    signal.signal(signal.SIGTERM, _forward)
    try:
        code = proc.wait()
    except KeyboardInterrupt:
        proc.send_signal(signal.SIGINT)
        code = proc.wait()
    sys.exit(code)
