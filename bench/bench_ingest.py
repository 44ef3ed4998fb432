"""Ingest throughput end to end (issue 2).

publisher process → mosquitto (started here on a free port) → consumer process → rows.
Consumers, each run against a fresh broker and a fresh database:

* ``bare``: a paho subscriber (MQTT 5, QoS 1) that only counts messages, the ceiling of the
  client library on this machine;
* ``naive``: a paho subscriber that INSERTs each message's samples with its own commit;
* ``ingester``: the real thing, ``python -m cli.main ingest`` configured from PILEWATCH_*.

Rate = samples / (time the last sample is committed (or counted) − time the publisher sent
the first message). Loss = samples sent − rows in ``telemetry``. Peak RSS = VmHWM of the
consumer process. Sizes: ``--messages N`` (1-sample messages; the 10-sample run uses N/3
messages), ``--short`` for the ``python -m bench`` default.

Run: /tmp/v/bin/python -m bench.bench_ingest [--messages 60000] [--batch 2000 --flush-ms 50
--queue 5000]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from datetime import UTC, datetime, timedelta

from bench.common import (
    child_env,
    header,
    mosquitto,
    peak_rss_mb,
    scratch_database,
    spawn,
    stop,
    wait_until,
)

RIGS = 50
SITE = "BENCH"
TOPIC = "pilewatch/v1/+/+/telemetry"


# ---------------------------------------------------------------- child roles


def _client(client_id: str, clean: bool = True):
    import paho.mqtt.client as mqtt
    from paho.mqtt.enums import CallbackAPIVersion

    return mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5)


def _host_port(url: str) -> tuple[str, int]:
    from runtime.settings import mqtt_host_port

    return mqtt_host_port(url)


def payloads(messages: int, per_message: int) -> list[tuple[str, bytes]]:
    """Pre-built telemetry messages for RIGS rigs, times from now, seq per rig."""
    t0 = datetime.now(UTC) - timedelta(hours=1)
    seqs = [0] * RIGS
    out = []
    for i in range(messages):
        r = i % RIGS
        samples = []
        for _ in range(per_message):
            seq = seqs[r]
            seqs[r] += 1
            t = t0 + timedelta(seconds=seq)
            samples.append(
                {
                    "seq": seq,
                    "t": t.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                    "depth_m": round((seq % 2400) / 100.0, 2),
                    "flow_l_min": 60.5,
                    "rpm": 50.0,
                    "density_kg_l": 1.75,
                    "wc": 0.6,
                    "pressure_mpa": 0.5,
                    "current_a": 60.0,
                    "tilt_x_deg": 0.1,
                    "tilt_y_deg": 0.0,
                }
            )
        rig = f"R{r:03d}"
        body = {"v": 1, "rig": rig, "pile": f"P-{rig}", "boot": "b1", "samples": samples}
        topic = f"pilewatch/v1/{SITE}/{rig}/telemetry"
        out.append((topic, json.dumps(body, separators=(",", ":")).encode()))
    return out


def role_publisher(url: str, messages: int, per_message: int, window: int = 1000) -> None:
    """QoS 1, at most `window` messages unacknowledged, one thread driving paho's loop (a
    network thread plus a publishing thread fight over the GIL and halve the rate)."""
    data = payloads(messages, per_message)
    client = _client(f"bench-pub-{time.monotonic_ns()}")
    client.max_inflight_messages_set(window)
    acks = [0]

    def on_publish(*_a):
        acks[0] += 1

    client.on_publish = on_publish
    host, port = _host_port(url)
    client.connect(host, port, keepalive=60)
    while not client.is_connected():
        client.loop(0.05)
    t_start = time.time()
    for i, (topic, payload) in enumerate(data):
        while i - acks[0] >= window:
            client.loop(0.01)
        client.publish(topic, payload, qos=1)
    t_handed = time.time()
    deadline = time.monotonic() + 120
    while acks[0] < len(data) and time.monotonic() < deadline:
        client.loop(0.01)
    t_acked = time.time()
    client.disconnect()
    print(
        json.dumps({"t_start": t_start, "t_handed": t_handed, "t_acked": t_acked, "sent": acks[0]}),
        flush=True,
    )


def role_consumer(kind: str, url: str, database_url: str, messages: int) -> None:
    """bare: count; naive: one INSERT transaction per message. Persistent session (client id
    bench-KIND). Prints 'ready' once subscribed (and exits there when `messages` is 0: that
    primes the session for a backlog), then a JSON line with the time of the last message
    once `messages` arrived."""
    import paho.mqtt.client as mqtt

    done = threading.Event()
    state = {"n": 0, "t_first": 0.0, "t_last": 0.0}
    conn = None
    if kind == "naive":
        from storage.db import connect
        from storage.partitions import PartitionKeeper

        conn = connect(database_url)
        now = datetime.now(UTC)
        PartitionKeeper().ensure(conn, {now - timedelta(hours=1), now}, now)
    sql = (
        "INSERT INTO telemetry (site_id, rig_id, boot, seq, t, pile_id, depth_m, flow_l_min,"
        " rpm, density_kg_l, wc, pressure_mpa, current_a, tilt_x_deg, tilt_y_deg)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
    )

    def on_message(client, userdata, msg):
        if conn is not None:
            site, rig = msg.topic.split("/")[2:4]
            body = json.loads(msg.payload)
            rows = [
                (
                    site,
                    rig,
                    body["boot"],
                    s["seq"],
                    datetime.fromisoformat(s["t"]),
                    body.get("pile"),
                    s["depth_m"],
                    s["flow_l_min"],
                    s.get("rpm"),
                    s.get("density_kg_l"),
                    s.get("wc"),
                    s.get("pressure_mpa"),
                    s.get("current_a"),
                    s.get("tilt_x_deg"),
                    s.get("tilt_y_deg"),
                )
                for s in body["samples"]
            ]
            with conn.transaction(), conn.cursor() as cur:
                cur.executemany(sql, rows)
        now = time.time()
        if state["n"] == 0:
            state["t_first"] = now
        state["n"] += 1
        state["t_last"] = now
        if state["n"] >= messages:
            done.set()

    def on_subscribe(client, userdata, mid, reason_codes, properties):
        print("ready", flush=True)
        if messages == 0:
            done.set()

    def on_connect(client, userdata, flags, reason_code, properties):
        state["t_connect"] = time.time()
        client.subscribe(TOPIC, qos=1)

    from paho.mqtt.packettypes import PacketTypes
    from paho.mqtt.properties import Properties

    client = _client(f"bench-{kind}")
    client.on_message = on_message
    client.on_connect = on_connect
    client.on_subscribe = on_subscribe
    host, port = _host_port(url)
    props = Properties(PacketTypes.CONNECT)
    props.SessionExpiryInterval = 3600
    props.ReceiveMaximum = 5000
    client.connect(host, port, keepalive=60, clean_start=False, properties=props)
    client.loop_start()
    done.wait(600)
    client.disconnect()
    client.loop_stop()
    import resource

    print(
        json.dumps(
            {
                "n": state["n"],
                "t_first": state["t_first"],
                "t_connect": state.get("t_connect", 0.0),
                "t_last": state["t_last"],
                "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            }
        ),
        flush=True,
    )
    if conn is not None:
        conn.close()
    _ = mqtt


# ---------------------------------------------------------------- orchestration


def count_rows(database_url: str) -> int:
    import psycopg

    with psycopg.connect(database_url) as conn:
        row = conn.execute("SELECT count(*) FROM telemetry").fetchone()
    return int(row[0]) if row else 0


def stored_counter(conn) -> int:
    row = conn.execute(
        "SELECT coalesce(sum(value), 0) FROM ingest_counters WHERE counter = 'samples_stored'"
    ).fetchone()
    return int(row[0])


def _start_ingester(env):
    """`python -m cli.main ingest`; returns (process, wall time it logged its subscription)."""
    import subprocess

    proc = spawn(["-m", "cli.main", "--log-level", "INFO", "ingest"], env=env,
                 stderr=subprocess.PIPE, text=True)  # fmt: skip
    assert proc.stderr is not None
    t_ready = None
    for line in proc.stderr:
        if "subscribed to" in line:
            t_ready = time.time()
            break
    threading.Thread(target=proc.stderr.read, daemon=True).start()
    if t_ready is None:
        raise RuntimeError("the ingester exited before subscribing")
    profile = os.environ.get("BENCH_PYSPY")  # a path: sample the ingester with py-spy
    if profile:
        subprocess.Popen(
            ["py-spy", "record", "--pid", str(proc.pid), "-r", "200", "-f", "raw", "-o",
             f"{profile}.{proc.pid}.txt", "--threads"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        time.sleep(1.0)
    return proc, t_ready


def _start_consumer(kind, url, db, messages, env, wait_ready=True):
    import subprocess

    proc = spawn(["-m", "bench.bench_ingest", "--role", kind, url, db, str(messages)], env=env,
                 stdout=subprocess.PIPE, text=True)  # fmt: skip
    assert proc.stdout is not None
    # Draining a backlog, the messages may all arrive before the SUBACK: no "ready" then.
    if wait_ready and proc.stdout.readline().strip() != "ready":
        raise RuntimeError(f"{kind} consumer did not subscribe")
    return proc


def _publish(url, messages, per_message, env):
    import subprocess

    return spawn(["-m", "bench.bench_ingest", "--role", "publisher", url, str(messages),
                  str(per_message)], env=env, stdout=subprocess.PIPE, text=True)  # fmt: skip


def run_one(kind: str, messages: int, per_message: int, tuning: dict[str, str], mode: str) -> dict:
    """mode 'live': the consumer runs while the publisher sends; rate from the first publish.
    mode 'drain': the publisher fills the broker while the consumer is away (persistent
    session), then the consumer drains it; rate from the consumer's (re)subscription."""
    import psycopg

    samples = messages * per_message
    with mosquitto() as url, scratch_database() as db:
        env = child_env(
            PILEWATCH_DATABASE_URL=db,
            PILEWATCH_MQTT_URL=url,
            PILEWATCH_INGEST_CLIENT_ID="bench-ingest",
            **tuning,
        )
        consumer = publisher = None
        t_done = t0 = None
        rss = None
        try:
            if mode == "drain":
                if kind == "ingester":
                    primer, _ = _start_ingester(env)
                    time.sleep(0.5)
                    stop(primer)
                else:
                    _start_consumer(kind, url, db, 0, env).wait(30)
                publisher = _publish(url, messages, per_message, env)
                pub_out, _ = publisher.communicate(timeout=600)
            if kind == "ingester":
                consumer, t_ready = _start_ingester(env)
                if mode == "live":
                    time.sleep(0.5)
                    publisher = _publish(url, messages, per_message, env)
                with psycopg.connect(db, autocommit=True) as conn:
                    ok = wait_until(lambda: stored_counter(conn) >= samples, 600, 0.02)
                    t_done = time.time() if ok else None
                rss = peak_rss_mb(consumer.pid)
                t0 = t_ready
            else:
                consumer = _start_consumer(kind, url, db, messages, env, mode == "live")
                if mode == "live":
                    publisher = _publish(url, messages, per_message, env)
                out, _ = consumer.communicate(timeout=600)
                res = json.loads(out.strip().splitlines()[-1])
                t_done, rss, t0 = res["t_last"], res["rss_mb"], res["t_connect"]
            if mode == "live":
                assert publisher is not None
                pub_out, _ = publisher.communicate(timeout=600)
            pub = json.loads(pub_out.strip().splitlines()[-1])
            if mode == "live":
                t0 = pub["t_start"]
        finally:
            for proc in (publisher, consumer):
                if proc is not None:
                    stop(proc)
        stored = count_rows(db) if kind != "bare" else samples
        elapsed = (t_done or float("nan")) - (t0 or float("nan"))
        return {
            "kind": kind,
            "mode": mode,
            "per_message": per_message,
            "messages": messages,
            "samples": samples,
            "elapsed_s": elapsed,
            "msg_s": messages / elapsed,
            "samples_s": samples / elapsed,
            "publisher_msg_s": messages / (pub["t_acked"] - pub["t_start"]),
            "stored": stored,
            "lost": samples - stored,
            "rss_mb": rss,
        }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--role")
    parser.add_argument("args", nargs="*")
    parser.add_argument("--messages", type=int, default=60_000)
    parser.add_argument("--short", action="store_true")
    parser.add_argument("--batch", default=None)
    parser.add_argument("--flush-ms", default=None)
    parser.add_argument("--queue", default=None)
    parser.add_argument("--only", default=None, help="bare,naive,ingester")
    parser.add_argument("--modes", default="live,drain", help="live,drain")
    ns = parser.parse_args(argv)
    if ns.role == "publisher":
        role_publisher(ns.args[0], int(ns.args[1]), int(ns.args[2]))
        return
    if ns.role in ("bare", "naive"):
        role_consumer(ns.role, ns.args[0], ns.args[1], int(ns.args[2]))
        return
    messages = 20_000 if ns.short else ns.messages
    tuning = {}
    for name, value in (
        ("PILEWATCH_INGEST_BATCH_MESSAGES", ns.batch),
        ("PILEWATCH_INGEST_FLUSH_MS", ns.flush_ms),
        ("PILEWATCH_INGEST_QUEUE_MESSAGES", ns.queue),
    ):
        if value is not None:
            tuning[name] = str(value)
    kinds = (ns.only or "bare,naive,ingester").split(",")
    modes = ns.modes.split(",")
    header(f"ingest: {messages} 1-sample messages, {messages // 3} 10-sample messages, {RIGS} rigs")
    print(f"ingester settings: {tuning or 'defaults (batch 2000, flush 50 ms, queue 5000)'}")
    results = []
    for mode in modes:
        for per_message, n in ((1, messages), (10, messages // 3)):
            for kind in kinds:
                r = run_one(kind, n, per_message, tuning, mode)
                results.append(r)
                rss = f"{r['rss_mb']:.0f} MiB" if r["rss_mb"] else "-"
                print(
                    f"{mode:5s} {kind:8s} {per_message:2d}/msg: {r['messages']:6d} msgs in"
                    f" {r['elapsed_s']:6.2f} s = {r['msg_s']:6.0f} msg/s, {r['samples_s']:6.0f}"
                    f" samples/s (publisher {r['publisher_msg_s']:.0f} msg/s), stored"
                    f" {r['stored']} lost {r['lost']}, peak RSS {rss}",
                    flush=True,
                )
    by = {(r["mode"], r["kind"], r["per_message"]): r for r in results}
    for mode in modes:
        bare, ing = by.get((mode, "bare", 1)), by.get((mode, "ingester", 1))
        if bare and ing:
            ratio = ing["msg_s"] / bare["msg_s"]
            print(f"{mode}: 1-sample ingester / bare subscriber = {ratio:.2f} (target ≥ 0.80)")
        naive1 = by.get((mode, "naive", 1))
        if naive1 and ing:
            print(f"{mode}: 1-sample ingester / naive = {ing['msg_s'] / naive1['msg_s']:.1f}×")
        ing10 = by.get((mode, "ingester", 10))
        if ing10:
            print(
                f"{mode}: 10-sample ingester {ing10['samples_s']:.0f} samples/s (target ≥ 30,000)"
            )
            naive10 = by.get((mode, "naive", 10))
            if naive10:
                ratio = ing10["samples_s"] / naive10["samples_s"]
                print(f"{mode}: 10-sample ingester / naive = {ratio:.1f}×")
    print(f"loss: {sum(r['lost'] for r in results)} samples in all runs (target 0)")


if __name__ == "__main__":
    main(sys.argv[1:])
