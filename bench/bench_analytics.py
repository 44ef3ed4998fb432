"""Time ``evaluate_pile`` on a 20 m pile sampled at 1 Hz (target ≤ 2 ms per evaluation).

Two piles, both with 1 cm depth encoder steps and noisy channels so that cleaning, binning and
every check do real work:

* ~2,500 samples: spray down at 0.95 m/min, 30 s dwell, withdraw at 1.0 m/min without slurry
  (process 1S1P) — the "20 m pile at 1 Hz, ~2,400 samples" of the brief;
* ~3,900 samples: spray down at 0.9 m/min, 30 s dwell, spray up at 0.45 m/min (2S2P).

Run: /tmp/v/bin/python bench/bench_analytics.py
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


def plan(process: str) -> PlannedPile:
    return PlannedPile("K12+340-A-0015", 0.0, 0.0, 20.0, 0.5, 55.0, 0.6, 1.75, 4, process)


def make_pile(down_m_min: float, up_m_min: float, spray_up: bool, seed: int = 7) -> PileSeries:
    rng = np.random.default_rng(seed)
    down_s, dwell_s, up_s = 20.0 / down_m_min * 60.0, 30.0, 20.0 / up_m_min * 60.0
    t = np.arange(0.0, down_s + dwell_s + up_s + 1.0)
    knots = [0.0, down_s, down_s + dwell_s, down_s + dwell_s + up_s]
    depth = np.floor(np.interp(t, knots, [0.0, 20.0, 20.0, 0.0]) * 100.0) / 100.0
    n = t.shape[0]
    flow = 60.0 + rng.normal(0, 1.0, n)
    if not spray_up:
        flow[t > down_s + dwell_s] = 0.0
    return PileSeries.from_arrays(
        t,
        depth,
        flow,
        rpm=50.0 + rng.normal(0, 0.5, n),
        density_kg_l=1.75 + rng.normal(0, 0.005, n),
        wc=0.6 + rng.normal(0, 0.002, n),
        pressure_mpa=0.5 + rng.normal(0, 0.01, n),
        current_a=60.0 + rng.normal(0, 2, n),
        tilt_x_deg=0.1 + rng.normal(0, 0.01, n),
        tilt_y_deg=rng.normal(0, 0.01, n),
    )


def time_it(series: PileSeries, p: PlannedPile, repeats: int = 300) -> np.ndarray:
    evaluate_pile(series, p)  # warm up
    runs = np.empty(repeats)
    for i in range(repeats):
        start = time.perf_counter()
        evaluate_pile(series, p)
        runs[i] = time.perf_counter() - start
    return runs * 1e3


def main() -> None:
    cases = (
        ("1S1P, ~2,500 samples", make_pile(0.95, 1.0, spray_up=False), plan("1S1P")),
        ("2S2P, ~3,900 samples", make_pile(0.9, 0.45, spray_up=True), plan("2S2P")),
    )
    for label, series, p in cases:
        ms = time_it(series, p)
        e = evaluate_pile(series, p)
        print(
            f"{label}: n={len(series)}  min {ms.min():.3f} ms  median {np.median(ms):.3f} ms  "
            f"p95 {np.percentile(ms, 95):.3f} ms (target ≤ 2 ms)  verdict={e.verdict}  "
            f"cement={e.cement_total_kg:.0f} kg  cv={e.cv:.3f}  cu={e.cu:.3f}  "
            f"grade={e.grade}  findings={len(e.findings)}"
        )
        for f in e.findings[:3]:
            print(f"    {f.severity}: {f.message}")


if __name__ == "__main__":
    main()
