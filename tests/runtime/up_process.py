"""`pilewatch up` as a user runs it, for tests: a process with nothing configured."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

from runtime.ports import free_port

REPO = Path(__file__).resolve().parents[2]


def start_up(state_dir: Path, *, rigs: int = 3, piles: int = 6) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PILEWATCH_")}
    env["PILEWATCH_STATE_DIR"] = str(state_dir)
    return subprocess.Popen(
        [sys.executable, "-m", "cli.main", "up", "--rigs", str(rigs), "--piles", str(piles),
         "--speed", "60", "--api-port", str(free_port()), "--dashboard-port", str(free_port())],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )  # fmt: skip


def read_banner(process: subprocess.Popen[str], timeout: float) -> dict[str, str]:
    """The `name : value` lines `up` prints once everything answers."""
    banner: dict[str, str] = {}
    deadline = time.monotonic() + timeout
    assert process.stdout is not None
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            if process.poll() is not None:
                break
            continue
        match = re.match(r"^(\w+)\s*: (\S+)", line)
        if match:
            banner[match.group(1)] = match.group(2)
        if line.startswith("Ctrl-C stops everything"):
            return banner
    raise AssertionError(f"no banner within {timeout} s; got {banner}")
