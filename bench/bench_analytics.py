"""Time ``evaluate_pile`` on a 20 m pile sampled at 1 Hz (target ≤ 2 ms per evaluation).

The pile: spray down at 1.0 m/min with a 30 s dwell, spray up at 0.5 m/min (withdrawal
dominates): 20 min + 30 s + 40 min ≈ 3,630 samples at 1 Hz; a second profile with the
domain's ~2,400 samples uses 1.0 m/min up. Depth carries 1 cm encoder steps and the
channels carry noise, so cleaning, binning and every check do real work.

Run: /tmp/v/bin/python -m bench.bench_analytics  (or python bench/bench_analytics.py)
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analytics.evaluation import evaluate_pile
from analytics.series import PileSeries
from siteplan.csv_format import PlannedPile

PLAN = PlannedPile("K12+340-A-0015", 0.0, 0.0, 20.0, 0.5, 55.0, 0.6, 1.75, 4, "2S2P")


def make_pile(up_m_min: float, seed: int = 7) -> PileSeries:
    rng = np.random.default_rng(seed)
    down_s, dwell_s, up_s = 20.0 * 60.0, 30.0, 20.0 / up_m_min * 60.0
    t = np.arange(0.0, down_s + dwell_s + up_s + 1.0)
    depth = np.interp(
        t, [0.0, down_s, down_s + dwell_s, down_s + dwell_s + up_s], [0.0, 20.0, 20.0, 0.0]
    )
    depth = np.floor(depth * 100.0) / 100.0  # 1 cm encoder
    n = t.shape[0]
    return PileSeries.from_arrays(
        t,
        depth,
        45.0 + rng.normal(0, 1.0, n),
        rpm=50.0 + rng.normal(0, 0.5, n),
        density_kg_l=1.75 + rng.normal(0, 0.005, n),
        wc=0.6 + rng.normal(0, 0.002, n),
        pressure_mpa=0.5 + rng.normal(0, 0.01, n),
        current_a=60.0 + rng.normal(0, 2, n),
        tilt_x_deg=0.1 + rng.normal(0, 0.01, n),
        tilt_y_deg=rng.normal(0, 0.01, n),
    )


def time_it(series: PileSeries, repeats: int = 200) -> tuple[float, float]:
    evaluate_pile(series, PLAN)  # warm up
    runs = []
    for _ in range(repeats):
        start = time.perf_counter()
        evaluate_pile(series, PLAN)
        runs.append(time.perf_counter() - start)
    arr = np.array(runs) * 1e3
    return float(np.median(arr)), float(np.percentile(arr, 95))


def main() -> None:
    for label, up in (
        ("~2,400 samples (up 1.0 m/min)", 1.0),
        ("~3,600 samples (up 0.5 m/min)", 0.5),
    ):
        s = make_pile(up)
        median_ms, p95_ms = time_it(s)
        e = evaluate_pile(s, PLAN)
        print(
            f"{label}: n={len(s)}  median {median_ms:.3f} ms  p95 {p95_ms:.3f} ms  "
            f"(target ≤ 2 ms)  verdict={e.verdict}  cement={e.cement_total_kg:.0f} kg  "
            f"cv={e.cv:.3f}  findings={len(e.findings)}"
        )


if __name__ == "__main__":
    main()
