from __future__ import annotations

import json
import time
from collections import Counter, defaultdict

import pytest

from simulators.recording import Recorder, read_recording, replay
from simulators.runner import run_simulation
from simulators.site import generate_plan


def _wait_quiet(get_count, settle: float = 0.5, timeout: float = 20.0) -> None:
    end = time.monotonic() + timeout
    last, since = -1, time.monotonic()
    while time.monotonic() < end:
        n = get_count()
        if n != last:
            last, since = n, time.monotonic()
        elif time.monotonic() - since > settle:
            return
        time.sleep(0.05)


def _telemetry(messages):
    for m in messages:
        if m.topic.endswith("/telemetry"):
            try:
                d = json.loads(m.payload)
            except ValueError:
                continue
            if isinstance(d, dict) and d.get("v") == 1:
                yield d


def test_store_and_forward_delivers_every_sample_once(
    broker_url, broker_protocol, site_id, collector
) -> None:
    plan = generate_plan(site_id, 2, seed=2, length_m=(5.0, 5.0))
    report = run_simulation(
        broker_url,
        site_id,
        2,
        "link_outage",
        seed=3,
        speed=None,
        piles=2,
        plan=plan,
        batch_s=5,
        protocol=broker_protocol,
    )
    assert report.unacked == 0
    _wait_quiet(lambda: len(collector.messages))
    keys = Counter(
        (d["rig"], d["boot"], s["seq"])
        for d in _telemetry(collector.messages)
        for s in d["samples"]
    )
    assert sum(keys.values()) == report.samples_sent == len(keys)
    per_rig = defaultdict(list)
    for d in _telemetry(collector.messages):
        per_rig[d["rig"]].extend(s["seq"] for s in d["samples"])
    for seqs in per_rig.values():
        assert seqs != sorted(seqs)  # the backlog came late and out of order
        assert sorted(seqs) == list(range(len(seqs)))


@pytest.mark.parametrize("protocol", ["5", "3.1.1"])
def test_rig_offline_publishes_last_will(
    broker_url, broker_protocol, site_id, collector, protocol
) -> None:
    if broker_protocol == "3.1.1" and protocol == "5":
        pytest.skip("this run's broker (amqtt) speaks MQTT 3.1.1 only")
    plan = generate_plan(site_id, 1, seed=2, length_m=(4.0, 4.0))
    report = run_simulation(
        broker_url,
        site_id,
        1,
        "rig_offline",
        seed=3,
        speed=None,
        piles=1,
        plan=plan,
        protocol=protocol,
        batch_s=5,  # a fast run of 1-sample messages overflows the test subscriber's queue
    )
    _wait_quiet(lambda: len(collector.messages))
    statuses = [json.loads(m.payload) for m in collector.messages if m.topic.endswith("/status")]
    assert any(s.get("reason") == "last_will" and s["online"] is False for s in statuses)
    seqs = [s["seq"] for d in _telemetry(collector.messages) for s in d["samples"]]
    # every sample arrives; messages in flight when the link died may come twice (QoS 1)
    assert sorted(set(seqs)) == list(range(report.samples_sent))
    assert len(seqs) - report.samples_sent <= 0.05 * report.samples_sent


def test_record_replay_keeps_per_rig_order_and_content(
    broker_url, broker_protocol, site_id, tmp_path
) -> None:
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    rec = Recorder(broker_url, f"pilewatch/v1/{site_id}/#", first, protocol=broker_protocol)
    rec.start()
    report = run_simulation(
        broker_url,
        site_id,
        3,
        "malformed_messages",
        seed=1,
        speed=None,
        batch_s=4,
        duration_s=400,
        plan=generate_plan(site_id, 3, seed=1),
        final_status=False,
        protocol=broker_protocol,
    )
    _wait_quiet(lambda: rec.count)
    n = rec.stop()
    assert n >= report.messages_sent
    lines = list(read_recording(first))
    assert any(not m.payload.startswith(b"{") for m in lines)  # binary kept via base64
    rec2 = Recorder(
        broker_url, f"pilewatch/v1/{site_id}/+/telemetry", second, protocol=broker_protocol
    )
    rec2.start()
    rr = replay(first, broker_url, speed=None, protocol=broker_protocol)
    assert rr.messages == len(lines)
    _wait_quiet(lambda: rec2.count)
    rec2.stop()

    def by_topic(path):
        out = defaultdict(list)
        for m in read_recording(path):
            if m.topic.endswith("/telemetry"):
                out[m.topic].append(m.payload)
        return out

    a, b = by_topic(first), by_topic(second)
    assert a == b and len(a) == 3


def test_replay_honours_inter_arrival_times(broker_url, broker_protocol, site_id, tmp_path) -> None:
    path = tmp_path / "r.jsonl"
    with open(path, "w") as fh:
        for i in range(3):
            fh.write(
                json.dumps(
                    {
                        "topic": f"pilewatch/v1/{site_id}/R1/event",
                        "payload": "{}",
                        "qos": 1,
                        "retain": False,
                        "received_at": f"2026-01-01T00:00:0{i}.000000Z",
                    }
                )
                + "\n"
            )
    t0 = time.monotonic()
    rr = replay(path, broker_url, speed=4.0, protocol=broker_protocol)
    assert 0.45 <= time.monotonic() - t0 < 3.0
    assert rr.messages == 3 and rr.recorded_span_s == 2.0


def test_shared_connections_real_time(broker_url, broker_protocol, site_id, collector) -> None:
    report = run_simulation(
        broker_url,
        site_id,
        30,
        "normal",
        seed=1,
        speed=20.0,
        duration_s=60,
        connections="shared",
        shared_connections=2,
        protocol=broker_protocol,
    )
    assert report.sim_seconds == 60 and report.unacked == 0
    assert 1.0 < report.real_seconds < 10.0
    assert report.lag_p99_s < 0.5
