"""Scenario evaluation (issue 5): precision and recall of the alerts over the scenario library.

For every scenario in ``simulators.scenarios.FAULT_SCENARIOS``: a run of RIGS rigs (one pile
each; single-fault scenarios put the fault into every rig's first pile) is generated into
memory, then stored through the real ingest path (``build_batch`` + ``IngestWriter``) in
chunks of CHUNK messages, in publish order. After each chunk, every pile that received
messages is evaluated as the live evaluator does (``evaluate_and_store``: live bins, then the
final evaluation once ``pile_end`` is stored), and the timed rules run (``alerts.engine.tick``)
at the simulated time. The writer's ``now`` is the simulated clock too, so ``rig_silent``
sees simulated gaps. Alerts are then scored against the ground truth with
``alerts.scoring.score`` (the same as ``pilewatch evaluate``).

Limitation: ``rig_offline`` looks at ``rig_status.received_at``, which the database stamps
with its own clock (``now()``), so a run replayed from memory cannot age it; its truths
are reported separately.

Run: /tmp/v/bin/python -m bench.bench_scenarios [--short] [--rigs 3] [--chunk 60]
"""

from __future__ import annotations

import argparse
import json
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta

from bench.common import header, scratch_database

RIGS = 3
CHUNK = 180


def _sim_now(messages, current: datetime) -> datetime:
    """Advance the simulated clock to the newest sample/event time in `messages`."""
    from telemetry.timestamps import parse_rfc3339

    latest = current
    for m in messages:
        if m.topic.endswith("/status"):
            continue
        try:
            body = json.loads(m.payload)
        except ValueError:
            continue
        if not isinstance(body, dict):
            continue
        stamp = None
        if isinstance(body.get("samples"), list) and body["samples"]:
            last = body["samples"][-1]
            stamp = last.get("t") if isinstance(last, dict) else None
        elif isinstance(body.get("t"), str):
            stamp = body["t"]
        if isinstance(stamp, str):
            try:
                t = parse_rfc3339(stamp)
            except ValueError:
                continue
            # A skewed rig clock must not drag the site clock hours ahead.
            if current.year < 2000 or t - current < timedelta(minutes=10):
                latest = max(latest, t)
    return latest


def run_scenario(url: str, scenario: str, index: int, rigs: int, chunk: int, seed: int):
    from alerts.engine import tick
    from alerts.rulebook import load_rulebook
    from alerts.scoring import RaisedAlert
    from ingest.batching import Received, build_batch
    from piles.evaluator import evaluate_and_store
    from simulators.runner import simulate_to_memory
    from simulators.site import generate_plan
    from storage.db import connect
    from storage.ingest_writer import IngestWriter
    from storage.plans import import_plan
    from telemetry.payload import ValidationLimits
    from telemetry.topics import parse_topic

    site = f"SC{index:02d}"
    ids = [f"{site}-R{i}" for i in range(rigs)]
    plan = generate_plan(site, rigs, seed)
    t0 = time.perf_counter()
    report, messages = simulate_to_memory(site, ids, scenario, seed, piles=rigs, plan=plan)
    t_sim = time.perf_counter() - t0
    writer = IngestWriter(f"bench-{site}")
    limits = ValidationLimits(future_tolerance=timedelta(days=3650))
    evaluations = 0
    t0 = time.perf_counter()
    with connect(url) as conn:
        import_plan(conn, site, list(plan))
        rulebook = load_rulebook(conn)
        clock = datetime(1970, 1, 1, tzinfo=UTC)
        for start in range(0, len(messages), chunk):
            part = messages[start : start + chunk]
            clock = _sim_now(part, clock)
            items = [
                Received(m.topic, m.payload, mid=start + i, qos=1, retain=m.retain, generation=0)
                for i, m in enumerate(part)
            ]
            result = writer.write(conn, build_batch(items, clock, limits), clock)
            piles = set(result.touched_piles)
            for m in part:  # piles named by events without new samples still get evaluated
                if m.topic.endswith("/event") and b'"pile"' in m.payload:
                    body = json.loads(m.payload)
                    if isinstance(body, dict) and isinstance(body.get("pile"), str):
                        piles.add((parse_topic(m.topic).site, body["pile"]))
            for s, p in sorted(piles):
                evaluate_and_store(conn, s, p, rulebook=rulebook, now=datetime.now(UTC))
                evaluations += 1
            tick(conn, rulebook, clock)
        # Late samples of ended piles and anything still open: one last evaluation each.
        for row in conn.execute("SELECT pile_id FROM piles WHERE site_id = %s", (site,)):
            evaluate_and_store(conn, site, str(row["pile_id"]), rulebook=rulebook,
                               now=datetime.now(UTC))  # fmt: skip
            evaluations += 1
        rows = conn.execute(
            "SELECT rig_id, pile_id, rule, depth_top_m, depth_bottom_m, severity, message"
            " FROM alerts WHERE site_id = %s ORDER BY id",
            (site,),
        ).fetchall()
    t_store = time.perf_counter() - t0
    raised = [
        RaisedAlert(r["rig_id"], r["pile_id"], r["rule"], r["depth_top_m"], r["depth_bottom_m"])
        for r in rows
    ]
    return {
        "scenario": scenario,
        "site": site,
        "messages": len(messages),
        "samples": report.samples_sent,
        "truth": report.ground_truth,
        "raised": raised,
        "rows": rows,
        "evaluations": evaluations,
        "t_sim": t_sim,
        "t_store": t_store,
    }


def main(argv: list[str] | None = None) -> None:
    from alerts.scoring import format_table, matches, primary_rule, score
    from simulators.scenarios import FAULT_SCENARIOS

    parser = argparse.ArgumentParser()
    parser.add_argument("--short", action="store_true", help="2 rigs per scenario, chunks of 240")
    parser.add_argument("--rigs", type=int, default=RIGS)
    parser.add_argument("--chunk", type=int, default=CHUNK)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--only", default=None, help="comma-separated scenario names")
    ns = parser.parse_args(argv)
    rigs = 2 if ns.short else ns.rigs
    if ns.short:
        ns.chunk = 240
    names = ns.only.split(",") if ns.only else list(FAULT_SCENARIOS)
    header(f"scenarios: {len(names)} scenarios × {rigs} rigs (1 pile each), chunks of {ns.chunk}")
    all_raised, all_truth, misses, false_alarms, offline_truths = [], [], [], [], []
    t_all = time.perf_counter()
    with scratch_database() as url:
        for index, name in enumerate(names):
            r = run_scenario(url, name, index, rigs, ns.chunk, ns.seed)
            truth, raised = r["truth"], r["raised"]
            scored_truth = [t for t in truth if t.kind != "rig_offline"]
            offline_truths += [(r, t) for t in truth if t.kind == "rig_offline"]
            all_truth += scored_truth
            all_raised += raised
            for t in scored_truth:
                if primary_rule(t) is not None and not any(matches(a, t) for a in raised):
                    misses.append((name, t, raised))
            for a in raised:
                if not any(matches(a, t) for t in truth):
                    false_alarms.append((name, a, truth))
            print(
                f"{name:28s} {r['messages']:6d} msgs {r['samples']:6d} samples,"
                f" {len(truth)} truth(s), {len(raised)} alert(s)"
                f" [{', '.join(sorted({a.rule for a in raised})) or '-'}];"
                f" simulate {r['t_sim']:.1f} s, store+evaluate {r['t_store']:.1f} s"
                f" ({r['evaluations']} evaluations)",
                flush=True,
            )
    print(f"\ntotal {time.perf_counter() - t_all:.0f} s\n")
    print(format_table(score(all_raised, all_truth)))
    print("(target: recall 1.00 and precision ≥ 0.99 overall)")
    if offline_truths:
        print(
            f"\nrig_offline: {len(offline_truths)} truth(s) not scored (received_at is the"
            " database clock; see the module docstring)"
        )
    for name, t, raised in misses:
        got = sorted(
            {(a.rule, a.depth_top_m, a.depth_bottom_m) for a in raised if a.pile == t.pile}
        )
        print(
            f"MISS {name}: rig {t.rig} pile {t.pile} kind {t.kind} at"
            f" {t.depth_top_m:.2f}-{t.depth_bottom_m:.2f} m expects {primary_rule(t)};"
            f" raised on that pile: {got or 'nothing'}"
        )
    for name, a, truth in false_alarms:
        kinds = sorted(
            {(t.kind, t.depth_top_m, t.depth_bottom_m) for t in truth if t.pile == a.pile}
        )
        print(
            f"FALSE ALARM {name}: {a.rule} on pile {a.pile} rig {a.rig} at"
            f" {a.depth_top_m}-{a.depth_bottom_m} m; truth on that pile: {kinds or 'none'}"
        )
    _ = defaultdict


if __name__ == "__main__":
    main()
