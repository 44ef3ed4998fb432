"""Recompute stored piles from raw telemetry (issue 4): time and rate.

One realistic 4S2P pile is simulated, then copied under N pile ids straight into telemetry
with COPY; `recompute_all` then evaluates every pile from its raw samples and stores the
profile, verdict and alerts, as `pilewatch recompute` does.

    python -m bench.bench_recompute [--piles 10000] [--database-url URL]
"""

from __future__ import annotations

import argparse
import json
import time
import uuid
from datetime import UTC, datetime, timedelta

import psycopg

from alerts.rulebook import load_rulebook
from piles.live_service import recompute_all
from runtime.settings import get_settings
from simulators.runner import simulate_to_memory
from simulators.site import generate_plan
from storage.migrations import migrate

ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def one_pile_samples() -> tuple[list[dict[str, object]], object]:
    plan = generate_plan("B", 1, seed=11, length_m=(12.0, 12.0))
    _report, messages = simulate_to_memory("B", 1, "normal", seed=11, piles=1, plan=plan)
    samples: list[dict[str, object]] = []
    for m in messages:
        if m.topic.endswith("/telemetry"):
            samples.extend(json.loads(m.payload)["samples"])
    return samples, plan[0]


def load(url: str, piles: int) -> int:
    samples, planned = one_pile_samples()
    t0 = datetime.fromisoformat(str(samples[0]["t"]).replace("Z", "+00:00"))
    offsets = [
        (datetime.fromisoformat(str(s["t"]).replace("Z", "+00:00")) - t0).total_seconds()
        for s in samples
    ]
    base = datetime(2026, 11, 1, tzinfo=UTC)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("INSERT INTO sites (site_id) VALUES ('B') ON CONFLICT DO NOTHING")
        conn.execute("INSERT INTO rigs (rig_id, site_id) VALUES ('RB', 'B') ON CONFLICT DO NOTHING")
        with conn.cursor() as cur:
            with cur.copy(
                "COPY planned_piles (site_id, pile_id, x_m, y_m, design_length_m, diameter_m,"
                " design_cement_kg_m, wc, density_kg_l, blades, process) FROM STDIN"
            ) as copy:
                for i in range(piles):
                    copy.write_row(
                        (
                            "B",
                            f"P{i:05d}",
                            i % 100,
                            i // 100,
                            planned.design_length_m,  # type: ignore[attr-defined]
                            0.5,
                            planned.design_cement_kg_m,
                            planned.wc,  # type: ignore[attr-defined]
                            planned.density_kg_l,
                            planned.blades,
                            planned.process,
                        )  # type: ignore[attr-defined]
                    )
            with cur.copy(
                "COPY telemetry (site_id, rig_id, boot, seq, t, pile_id, depth_m, flow_l_min,"
                " rpm, density_kg_l, wc, pressure_mpa) FROM STDIN"
            ) as copy:
                for i in range(piles):
                    start = base + timedelta(hours=i)
                    pile = f"P{i:05d}"
                    for k, (s, dt) in enumerate(zip(samples, offsets, strict=True)):
                        copy.write_row(
                            (
                                "B",
                                "RB",
                                "b",
                                i * 100_000 + k,
                                start + timedelta(seconds=dt),
                                pile,
                                s["depth_m"],
                                s["flow_l_min"],
                                s.get("rpm"),
                                s.get("density_kg_l"),
                                s.get("wc"),
                                s.get("pressure_mpa"),
                            )
                        )
        conn.execute("ANALYZE telemetry")
    return len(samples)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--piles", type=int, default=1000)
    parser.add_argument("--admin-url", default=ADMIN_URL)
    args = parser.parse_args()
    name = f"pw_bench_recompute_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(args.admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = psycopg.conninfo.make_conninfo(args.admin_url, dbname=name)
    try:
        migrate(url, get_settings(database_url=url))
        started = time.perf_counter()
        per_pile = load(url, args.piles)
        loaded = time.perf_counter() - started
        with psycopg.connect(url) as conn:
            rulebook = load_rulebook(conn)  # type: ignore[arg-type]
        started = time.perf_counter()
        count = recompute_all(url, rulebook)
        elapsed = time.perf_counter() - started
        print(
            f"loaded {args.piles} piles x {per_pile} samples in {loaded:.1f} s; "
            f"recomputed {count} piles in {elapsed:.1f} s = {count / elapsed:.1f} piles/s "
            f"({1000 * elapsed / count:.1f} ms per pile)"
        )
    finally:
        with psycopg.connect(args.admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
