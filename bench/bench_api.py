"""API latency under load (issue 5): GET pile summary and GET profile, 50 concurrent clients,
with a million stored samples; baseline = GET /api/v1/health under the same load.

Data: a simulated run (``simulate_to_memory``, scenario ``mixed``) is stored through the
ingest path (``build_batch`` + ``IngestWriter``) and evaluated (``recompute_all``), then
copied in SQL under new pile and rig ids until the telemetry table holds ``--samples`` rows
(piles, planned piles, events and telemetry are copied; evaluations are copied, not redone).
The API runs as its own process (``python -m cli.main api``, uvicorn, one worker); the load
comes from one asyncio process (httpx, ``--clients`` tasks in a closed loop, each picking a
random pile), for ``--seconds`` per endpoint.

Run: /tmp/v/bin/python -m bench.bench_api [--samples 1000000] [--clients 50] [--seconds 15]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import subprocess
import time
from datetime import UTC, datetime

from bench.common import (
    child_env,
    header,
    percentile,
    scratch_database,
    spawn,
    stop,
    wait_until,
)

SITE = "API"


def load_data(url: str, target_samples: int) -> tuple[int, int]:
    from alerts.rulebook import load_rulebook
    from ingest.batching import Received, build_batch
    from piles.live_service import recompute_all
    from simulators.runner import simulate_to_memory
    from simulators.site import generate_plan
    from storage.db import connect
    from storage.ingest_writer import IngestWriter
    from storage.plans import import_plan
    from telemetry.payload import ValidationLimits

    base_piles = 24
    plan = generate_plan(SITE, base_piles, 3)
    _report, messages = simulate_to_memory(SITE, 6, "mixed", 3, piles=base_piles, plan=plan)
    writer = IngestWriter("bench-api")
    with connect(url) as conn:
        import_plan(conn, SITE, list(plan))
        for start in range(0, len(messages), 2000):
            now = datetime.now(UTC)
            items = [
                Received(m.topic, m.payload, mid=i, qos=1, retain=m.retain, generation=0)
                for i, m in enumerate(messages[start : start + 2000])
            ]
            writer.write(conn, build_batch(items, now, ValidationLimits()), now)
        rulebook = load_rulebook(conn)
    recompute_all(url, rulebook)
    with connect(url) as conn:
        base = conn.execute("SELECT count(*) AS n FROM telemetry").fetchone()["n"]
        copies = max(0, -(-target_samples // max(1, base)) - 1)
        for table in ("planned_piles", "piles", "rig_events", "telemetry"):
            cols = [
                r["column_name"]
                for r in conn.execute(
                    "SELECT column_name FROM information_schema.columns WHERE table_name = %s"
                    " AND table_schema = 'public' ORDER BY ordinal_position",
                    (table,),
                )
            ]
            rename = {"pile_id": "pile_id || '-c' || k", "rig_id": "rig_id || '-c' || k"}
            select = ", ".join(rename.get(c, c) for c in cols)
            conn.execute(
                f"INSERT INTO {table} ({', '.join(cols)}) SELECT {select} FROM {table}"
                f" CROSS JOIN generate_series(1, %s) AS k WHERE pile_id NOT LIKE '%%-c%%'",
                (copies,),
            )
        conn.execute("ANALYZE")
        samples = conn.execute("SELECT count(*) AS n FROM telemetry").fetchone()["n"]
        piles = conn.execute("SELECT count(*) AS n FROM piles").fetchone()["n"]
    return samples, piles


async def hammer(base: str, token: str, paths: list[str], clients: int, seconds: float):
    import httpx

    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=base, limits=limits, headers=headers, timeout=30) as c:

        async def worker(seed: int) -> None:
            nonlocal errors
            rng = random.Random(seed)
            while time.perf_counter() < deadline:
                path = rng.choice(paths)
                t0 = time.perf_counter()
                r = await c.get(path)
                latencies.append(time.perf_counter() - t0)
                if r.status_code != 200:
                    errors += 1

        t0 = time.perf_counter()
        await asyncio.gather(*(worker(i) for i in range(clients)))
        elapsed = time.perf_counter() - t0
    return latencies, errors, elapsed


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--samples", type=int, default=1_000_000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--short", action="store_true", help="200,000 samples, 5 s per endpoint")
    ns = parser.parse_args(argv)
    if ns.short:
        ns.samples, ns.seconds = 200_000, 5.0
    from api.auth import create_token
    from runtime.ports import free_port
    from storage.db import connect

    header(f"api: {ns.clients} concurrent clients, ≥ {ns.samples:,} stored samples")
    with scratch_database() as url:
        t0 = time.perf_counter()
        samples, piles = load_data(url, ns.samples)
        print(f"loaded {samples:,} samples, {piles:,} piles in {time.perf_counter() - t0:.0f} s")
        with connect(url) as conn:
            _info, token = create_token(conn, "bench", "admin")
            ids = [
                (r["site_id"], r["pile_id"])
                for r in conn.execute("SELECT site_id, pile_id FROM piles")
            ]
        port = free_port()
        api = spawn(
            ["-m", "cli.main", "--log-level", "WARNING", "api", "--port", str(port)],
            env=child_env(PILEWATCH_DATABASE_URL=url),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            import httpx

            def up() -> bool:
                try:
                    return httpx.get(f"{base}/api/v1/health", timeout=1).status_code == 200
                except httpx.HTTPError:
                    return False

            if not wait_until(up, 60, 0.2):
                raise RuntimeError("the API did not come up")
            from urllib.parse import quote

            cases = {
                "health (baseline)": ["/api/v1/health"],
                "pile summary": [f"/api/v1/piles/{quote(p, safe='')}?site={s}" for s, p in ids],
                "pile profile": [
                    f"/api/v1/piles/{quote(p, safe='')}/profile?site={s}" for s, p in ids
                ],
            }
            asyncio.run(hammer(base, token, cases["pile summary"][:50], 5, 1.0))  # warm up
            for clients in (ns.clients, 8):
                print(f"-- {clients} concurrent clients")
                results = {}
                for name, paths in cases.items():
                    lat, errors, elapsed = asyncio.run(
                        hammer(base, token, paths, clients, ns.seconds)
                    )
                    results[name] = (percentile(lat, 0.5), percentile(lat, 0.99))
                    print(
                        f"{name:18s}: {len(lat):6d} requests in {elapsed:.1f} s"
                        f" = {len(lat) / elapsed:6.0f} req/s, p50 {results[name][0] * 1e3:7.1f}"
                        f" ms, p99 {results[name][1] * 1e3:7.1f} ms, non-200 {errors}",
                        flush=True,
                    )
                b50, b99 = results["health (baseline)"]
                for name in ("pile summary", "pile profile"):
                    p50, p99 = results[name]
                    print(f"{name}: p50 {p50 / b50:.2f}×, p99 {p99 / b99:.2f}× the health baseline")
        finally:
            stop(api)


if __name__ == "__main__":
    main()
