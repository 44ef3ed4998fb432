"""500 simulated rigs at 1 Hz in real time for 30 s against the broker: send rate and lag."""

from __future__ import annotations

import os
import sys
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from simulators.runner import run_simulation


def main() -> None:
    broker = os.environ.get("PILEWATCH_MQTT_URL", "mqtt://127.0.0.1:1883")
    rigs = int(os.environ.get("BENCH_RIGS", "500"))
    duration = float(os.environ.get("BENCH_SECONDS", "30"))
    site = "BENCH" + uuid.uuid4().hex[:6]
    report = run_simulation(
        broker,
        site,
        rigs,
        "normal",
        seed=1,
        speed=1.0,
        duration_s=duration,
        connections="shared",
        shared_connections=4,
        final_status=False,
        stagger_s=0.0,
    )
    print(f"rigs {report.rigs}, sim {report.sim_seconds:.0f} s, real {report.real_seconds:.1f} s")
    print(
        f"messages {report.messages_sent} ({report.send_rate_msg_s:.0f}/s), "
        f"samples {report.samples_sent} ({report.sample_rate_s:.0f}/s), unacked {report.unacked}"
    )
    print(
        f"lag p50 {report.lag_p50_s * 1000:.1f} ms, p99 {report.lag_p99_s * 1000:.1f} ms, "
        f"max {report.lag_max_s * 1000:.1f} ms"
    )


if __name__ == "__main__":
    main()
