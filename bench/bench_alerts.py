"""Alert latency (issue 5): from the publish of the sample that closes a deficient bin to the
alert on the SSE stream (/api/v1/alerts/stream), p50 and p99.

Processes: mosquitto (free port), ``cli.main ingest``, ``cli.main analyse`` (LiveEvaluator +
alert timers), ``cli.main api`` (uvicorn); background load = ``run_simulation`` with
``--rigs`` rigs at 1 Hz in real time (scenario normal, its own process); baseline = the same
with no background rigs, in the same run.

Probe: PROBES rigs each build one 8 m pile with scenario ``under_dosage``
(``simulate_to_memory``). Which message closes each deficient bin is found first, offline,
by storing the probe messages one by one through the ingest path and evaluating the pile
whenever the tool crosses a bin border or a pile event arrives, as the live evaluator does
(the first message after which the alert exists closes the bin). The probe is then
published live on the sample clock: in real time (1 s per sample) from WINDOW_S before each
closing message to 5 s after it, fast-forwarded (``--ff`` ×) elsewhere. Latency =
time the alert (same pile, rule and depth interval) arrives on the stream − time its closing
message was published.

Run: /tmp/v/bin/python -m bench.bench_alerts [--rigs 500] [--short]
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import threading
import time
from datetime import UTC, datetime

from bench.common import (
    child_env,
    header,
    mosquitto,
    percentile,
    scratch_database,
    spawn,
    stop,
    wait_until,
)

PROBES = 3
WINDOW_S = 10.0


def role_background(url: str, rigs: int, duration: float) -> None:
    from simulators.runner import run_simulation

    report = run_simulation(
        url, "BG", rigs, "normal", seed=1, speed=1.0, duration_s=duration,
        connections="shared", shared_connections=4, final_status=False, stagger_s=0.0,
    )  # fmt: skip
    print(json.dumps({"summary": report.summary()}), flush=True)


def probe_messages(seed: int = 5, probes: int = PROBES):
    from simulators.runner import simulate_to_memory
    from simulators.site import generate_plan

    ids = [f"PROBE-R{i}" for i in range(probes)]
    plan = generate_plan("PROBE", probes, seed, length_m=(8.0, 8.0))
    report, messages = simulate_to_memory(
        "PROBE", ids, "under_dosage", seed, piles=probes, plan=plan, stagger_s=0.0
    )
    return plan, messages, report


def _times(messages) -> list[float]:
    """Simulated time (s since the first) of each message; status messages take the last."""
    from telemetry.timestamps import parse_rfc3339

    out: list[float] = []
    first = None
    last = 0.0
    for m in messages:
        stamp = None
        if not m.topic.endswith("/status"):
            body = json.loads(m.payload)
            if isinstance(body.get("samples"), list) and body["samples"]:
                stamp = body["samples"][-1]["t"]
            elif isinstance(body.get("t"), str):
                stamp = body["t"]
        if stamp is not None:
            t = parse_rfc3339(stamp).timestamp()
            first = t if first is None else first
            last = max(last, t - first)
        out.append(last)
    return out


def closing_messages(plan, messages) -> dict[tuple, int]:
    """(pile, rule, top, bottom) → index of the message after which that alert first exists."""
    from alerts.rulebook import load_rulebook
    from ingest.batching import Received, build_batch
    from piles.evaluator import DEFAULT_BIN_M, evaluate_and_store
    from storage.db import connect
    from storage.ingest_writer import IngestWriter
    from storage.plans import import_plan
    from telemetry.payload import ValidationLimits

    found: dict[tuple, int] = {}
    last_depth: dict[str, float] = {}
    writer = IngestWriter("bench-probe")
    with scratch_database() as url, connect(url) as conn:
        import_plan(conn, "PROBE", list(plan))
        rulebook = load_rulebook(conn)
        for i, m in enumerate(messages):
            now = datetime.now(UTC)
            item = Received(m.topic, m.payload, mid=i, qos=1, retain=m.retain, generation=0)
            writer.write(conn, build_batch([item], now, ValidationLimits()), now)
            if m.topic.endswith("/status"):
                continue
            body = json.loads(m.payload)
            pile = body.get("pile")
            if not isinstance(pile, str):
                continue
            urgent = m.topic.endswith("/event")
            for s in body.get("samples", []):
                prev = last_depth.get(pile)
                d = s["depth_m"]
                if prev is not None and math.floor(prev / DEFAULT_BIN_M) != math.floor(
                    d / DEFAULT_BIN_M
                ):
                    urgent = True
                last_depth[pile] = d
            if not urgent:
                continue
            evaluate_and_store(conn, "PROBE", pile, rulebook=rulebook, now=now)
            for r in conn.execute(
                "SELECT pile_id, rule, depth_top_m, depth_bottom_m FROM alerts"
                " WHERE rule = 'bin_cement'"
            ):
                key = (r["pile_id"], r["rule"], r["depth_top_m"], r["depth_bottom_m"])
                found.setdefault(key, i)
    return found


class StreamReader(threading.Thread):
    def __init__(self, base: str, token: str) -> None:
        super().__init__(daemon=True)
        self.base, self.token = base, token
        self.seen: dict[tuple, float] = {}
        self.ready = threading.Event()
        self.stopped = False

    def run(self) -> None:
        import httpx

        headers = {"Authorization": f"Bearer {self.token}", "Accept": "text/event-stream"}
        with (
            httpx.Client(base_url=self.base, timeout=None) as client,
            client.stream("GET", "/api/v1/alerts/stream", headers=headers) as response,
        ):
            self.ready.set()
            for line in response.iter_lines():
                if self.stopped:
                    return
                if not line.startswith("data:"):
                    continue
                now = time.time()
                try:
                    a = json.loads(line[5:])
                except ValueError:
                    continue
                if a.get("site") == "PROBE":
                    key = (a["pile"], a["rule"], a["depth_top_m"], a["depth_bottom_m"])
                    self.seen.setdefault(key, now)


def publish_probe(url, messages, schedule) -> list[float]:
    """Publish message i at schedule[i] s after the start; returns the wall time of each."""
    import paho.mqtt.client as mqtt
    from paho.mqtt.enums import CallbackAPIVersion

    from runtime.settings import mqtt_host_port

    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="bench-probe",
                         protocol=mqtt.MQTTv5)  # fmt: skip
    host, port = mqtt_host_port(url)
    client.connect(host, port)
    client.loop_start()
    wait_until(client.is_connected, 10)
    sent: list[float] = []
    t0 = time.monotonic()
    for m, at in zip(messages, schedule, strict=True):
        delay = t0 + at - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        sent.append(time.time())
        client.publish(m.topic, m.payload, qos=1, retain=m.retain)
    time.sleep(1.0)
    client.disconnect()
    client.loop_stop()
    return sent


def one_run(rigs, messages, plan, closing, ff, short) -> list[float]:
    from api.auth import create_token
    from runtime.ports import free_port
    from storage.db import connect
    from storage.plans import import_plan

    times = _times(messages)
    windows = [(times[i] - WINDOW_S, times[i] + 5.0) for i in closing.values()]
    schedule, clock, prev = [], 0.0, 0.0
    for t in times:
        gap = t - prev
        clock += gap if any(a <= t <= b for a, b in windows) else gap / ff
        schedule.append(clock)
        prev = t
    with mosquitto() as url, scratch_database() as db:
        with connect(db) as conn:
            import_plan(conn, "PROBE", list(plan))
            _info, token = create_token(conn, "bench", "admin")
        env = child_env(PILEWATCH_DATABASE_URL=db, PILEWATCH_MQTT_URL=url,
                        PILEWATCH_INGEST_CLIENT_ID="bench-ingest")  # fmt: skip
        port = free_port()
        quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
        procs = [
            spawn(["-m", "cli.main", "--log-level", "WARNING", "ingest"], env=env, **quiet),
            spawn(["-m", "cli.main", "--log-level", "WARNING", "analyse"], env=env, **quiet),
            spawn(
                ["-m", "cli.main", "--log-level", "WARNING", "api", "--port", str(port)],
                env=env,
                **quiet,
            ),
        ]
        bg = None
        try:
            import httpx

            base = f"http://127.0.0.1:{port}"

            def up() -> bool:
                try:
                    return httpx.get(f"{base}/api/v1/health", timeout=1).status_code == 200
                except httpx.HTTPError:
                    return False

            if not wait_until(up, 60, 0.2):
                raise RuntimeError("the API did not come up")
            time.sleep(2.0)  # ingester and analyser subscribed / listening
            reader = StreamReader(base, token)
            reader.start()
            reader.ready.wait(10)
            if rigs:
                duration = schedule[-1] + 30
                bg = spawn(["-m", "bench.bench_alerts", "--role", "background", url, str(rigs),
                            str(duration)], env=env, stdout=subprocess.PIPE, text=True)  # fmt: skip
                time.sleep(15.0 if not short else 10.0)  # the background reaches steady state
            print(f"  probe: {len(messages)} messages over {schedule[-1]:.0f} s real time",
                  flush=True)  # fmt: skip
            sent = publish_probe(url, messages, schedule)
            wait_until(lambda: len(reader.seen) >= len(closing), 15, 0.1)
            reader.stopped = True
            lat = []
            for key, index in sorted(closing.items(), key=lambda kv: kv[1]):
                got = reader.seen.get(key)
                if got is None:
                    print(f"  no alert on the stream for {key}")
                    continue
                lat.append(got - sent[index])
            extra = set(reader.seen) - set(closing)
            if extra:
                print(f"  {len(extra)} alert(s) on the stream not found offline: {sorted(extra)}")
            return lat
        finally:
            if bg is not None:
                stop(bg)
                out = bg.stdout.read() if bg.stdout else ""
                if out.strip():
                    print("  background:", json.loads(out.strip().splitlines()[-1])["summary"])
            for p in reversed(procs):
                stop(p)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--role")
    parser.add_argument("args", nargs="*")
    parser.add_argument("--rigs", type=int, default=500)
    parser.add_argument("--ff", type=float, default=60.0, help="fast-forward outside windows")
    parser.add_argument("--short", action="store_true")
    ns = parser.parse_args(argv)
    if ns.role == "background":
        role_background(ns.args[0], int(ns.args[1]), float(ns.args[2]))
        return
    probes = PROBES
    if ns.short:
        ns.ff, probes = 120.0, 1
    header(f"alerts: SSE latency, {probes} under-dosage probe pile(s), background {ns.rigs} rigs")
    plan, messages, _report = probe_messages(probes=probes)
    t0 = time.perf_counter()
    closing = closing_messages(plan, messages)
    print(f"offline: {len(closing)} bin_cement alert(s) and their closing messages"
          f" ({time.perf_counter() - t0:.0f} s)")  # fmt: skip
    if not closing:
        print("no deficient bin closes in the probe run; nothing to measure")
        return
    for rigs in (0, ns.rigs):
        print(f"-- background rigs: {rigs}", flush=True)
        lat = one_run(rigs, messages, plan, closing, ns.ff, ns.short)
        if lat:
            print(
                f"background {rigs:3d} rigs: {len(lat)} alerts, latency p50"
                f" {percentile(lat, 0.5) * 1e3:.0f} ms, p99 {percentile(lat, 0.99) * 1e3:.0f} ms,"
                f" max {max(lat) * 1e3:.0f} ms, min {min(lat) * 1e3:.0f} ms (target p99 < 1 s)",
                flush=True,
            )


if __name__ == "__main__":
    main()
