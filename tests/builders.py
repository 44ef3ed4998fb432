"""Small builders for test data: samples, payloads and a publisher that waits for PUBACKs."""

from __future__ import annotations

import json
import threading
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from runtime.settings import mqtt_host_port

T0 = datetime(2026, 11, 22, 8, 0, 0, tzinfo=UTC)


def iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def sample(seq: int, *, t0: datetime = T0, **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "seq": seq,
        "t": iso(t0 + timedelta(seconds=seq)),
        "depth_m": round(0.01 * seq, 3),
        "flow_l_min": 40.0,
        "rpm": 48.0,
    }
    body.update(fields)
    return body


def telemetry(
    rig: str, samples: list[dict[str, Any]], *, boot: str = "b1", pile: str | None = "P-1"
) -> dict[str, Any]:
    body: dict[str, Any] = {"v": 1, "rig": rig, "boot": boot, "samples": samples}
    if pile is not None:
        body["pile"] = pile
    return body


def telemetry_topic(site: str, rig: str) -> str:
    return f"pilewatch/v1/{site}/{rig}/telemetry"


def series_messages(
    site: str, rig: str, count: int, per_message: int, *, boot: str = "b1", pile: str = "P-1"
) -> list[tuple[str, bytes]]:
    """`count` samples of one rig in messages of `per_message` samples."""
    out: list[tuple[str, bytes]] = []
    for start in range(0, count, per_message):
        samples = [sample(seq) for seq in range(start, min(start + per_message, count))]
        out.append(
            (
                telemetry_topic(site, rig),
                json.dumps(telemetry(rig, samples, boot=boot, pile=pile)).encode(),
            )
        )
    return out


class Publisher:
    """QoS 1 publisher; `publish_all` returns once the broker has acknowledged everything."""

    def __init__(self, url: str, protocol: str) -> None:
        self.client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=f"test-pub-{uuid.uuid4().hex[:8]}",
            protocol=mqtt.MQTTv5 if protocol == "5" else mqtt.MQTTv311,
        )
        self.client.max_inflight_messages_set(1000)
        self.client.max_queued_messages_set(0)
        host, port = mqtt_host_port(url)
        connected = threading.Event()
        self.client.on_connect = lambda *a: connected.set()
        self.client.connect(host, port)
        self.client.loop_start()
        if not connected.wait(10):
            raise TimeoutError(f"publisher could not connect to {url}")

    def publish_all(
        self, messages: list[tuple[str, bytes]], *, retain: bool = False, timeout: float = 60
    ) -> None:
        infos = [self.client.publish(t, p, qos=1, retain=retain) for t, p in messages]
        for info in infos:
            info.wait_for_publish(timeout)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()
