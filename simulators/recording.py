"""Record an MQTT stream to JSON lines and publish it again.

One line per message: ``{"topic", "payload", "qos", "retain", "received_at"}`` plus
``"payload_b64": true`` when the payload was not UTF-8 (it is then base64). ``received_at``
is the recorder's wall clock (RFC 3339, UTC, microseconds). Replay publishes in file order
over a single connection, so every topic (and so every rig) keeps its order, waiting the
recorded inter-arrival times divided by ``speed`` (``None``: as fast as possible).
"""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion
from paho.mqtt.reasoncodes import ReasonCode

from simulators.publisher import parse_broker_url


@dataclass(frozen=True, slots=True)
class Recorded:
    topic: str
    payload: bytes
    qos: int
    retain: bool
    received_at: datetime


def encode_line(topic: str, payload: bytes, qos: int, retain: bool, at: datetime) -> str:
    line: dict[str, Any] = {"topic": topic}
    try:
        line["payload"] = payload.decode("utf-8")
    except UnicodeDecodeError:
        line["payload"] = base64.b64encode(payload).decode("ascii")
        line["payload_b64"] = True
    line.update(qos=qos, retain=retain, received_at=at.isoformat().replace("+00:00", "Z"))
    return json.dumps(line, ensure_ascii=False)


def read_recording(path: str | Path) -> Iterator[Recorded]:
    with open(path, encoding="utf-8") as fh:
        for n, raw in enumerate(fh, start=1):
            if not raw.strip():
                continue
            try:
                d = json.loads(raw)
                text = d["payload"]
                payload = base64.b64decode(text) if d.get("payload_b64") else text.encode()
                at = datetime.fromisoformat(d["received_at"].replace("Z", "+00:00"))
                yield Recorded(d["topic"], payload, int(d.get("qos", 1)), bool(d.get("retain")), at)
            except (ValueError, KeyError, TypeError) as exc:
                raise ValueError(f"{path}: line {n} is not a recorded message: {exc}") from exc


def _protocol(protocol: str) -> MQTTProtocolVersion:
    # amqtt speaks MQTT 3.1.1 only; mosquitto speaks both.
    return mqtt.MQTTv311 if protocol == "3.1.1" else mqtt.MQTTv5


class Recorder:
    """Subscribes to ``topic_filter`` and appends every message to ``path``."""

    def __init__(
        self,
        broker_url: str,
        topic_filter: str,
        path: str | Path,
        qos: int = 1,
        protocol: str = "5",
    ) -> None:
        self.host, self.port = parse_broker_url(broker_url)
        self.topic_filter, self.path, self.qos = topic_filter, Path(path), qos
        self.count = 0
        self.subscribed = threading.Event()
        self._lock = threading.Lock()
        self._fh: IO[str] | None = None
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=_protocol(protocol))
        self.client.on_connect = self._on_connect
        self.client.on_subscribe = self._on_subscribe
        self.client.on_message = self._on_message

    def _on_connect(
        self, client: mqtt.Client, u: object, f: object, rc: ReasonCode, p: object = None
    ) -> None:
        client.subscribe(self.topic_filter, qos=self.qos)

    def _on_subscribe(
        self, client: mqtt.Client, u: object, mid: int, rcs: object, p: object = None
    ) -> None:
        self.subscribed.set()

    def _on_message(self, client: mqtt.Client, u: object, msg: mqtt.MQTTMessage) -> None:
        line = encode_line(
            msg.topic, bytes(msg.payload), msg.qos, bool(msg.retain), datetime.now(UTC)
        )
        with self._lock:
            if self._fh is not None:
                self._fh.write(line + "\n")
                self.count += 1

    def start(self, timeout: float = 10.0) -> None:
        self._fh = open(self.path, "a", encoding="utf-8")  # noqa: SIM115
        self.client.connect(self.host, self.port, keepalive=30)
        self.client.loop_start()
        if not self.subscribed.wait(timeout):
            self.stop()
            raise ConnectionError(f"could not subscribe to {self.topic_filter!r}")

    def stop(self) -> int:
        self.client.disconnect()
        self.client.loop_stop()
        with self._lock:
            if self._fh is not None:
                self._fh.close()
                self._fh = None
        return self.count


def record(
    broker_url: str,
    topic_filter: str,
    path: str | Path,
    duration_s: float | None = None,
    stop: threading.Event | None = None,
    protocol: str = "5",
) -> int:
    """Record until ``duration_s`` real seconds pass or ``stop`` is set; returns the count."""
    if duration_s is None and stop is None:
        raise ValueError("give duration_s or a stop event")
    rec = Recorder(broker_url, topic_filter, path, protocol=protocol)
    rec.start()
    waiter = stop or threading.Event()
    try:
        waiter.wait(duration_s)
    finally:
        count = rec.stop()
    return count


@dataclass(frozen=True, slots=True)
class ReplayReport:
    messages: int
    topics: int
    duration_s: float
    recorded_span_s: float


def replay(
    path: str | Path, broker_url: str, speed: float | None = 1.0, protocol: str = "5"
) -> ReplayReport:
    """Publish a recording again in file order; waits until every message is acknowledged."""
    if speed is not None and speed <= 0:
        raise ValueError("speed must be positive or None")
    host, port = parse_broker_url(broker_url)
    client = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=_protocol(protocol))
    client.max_inflight_messages_set(1000)
    client.max_queued_messages_set(0)
    client.connect(host, port, keepalive=30)
    client.loop_start()
    infos: list[mqtt.MQTTMessageInfo] = []
    topics: set[str] = set()
    first: datetime | None = None
    last: datetime | None = None
    t0 = time.monotonic()
    try:
        for msg in read_recording(path):
            if first is None:
                first = msg.received_at
            last = msg.received_at
            if speed is not None:
                due = t0 + (msg.received_at - first).total_seconds() / speed
                delay = due - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
            infos.append(client.publish(msg.topic, msg.payload, qos=msg.qos, retain=msg.retain))
            topics.add(msg.topic)
        for info in infos:
            if info.rc == mqtt.MQTT_ERR_SUCCESS:
                info.wait_for_publish(timeout=30)
    finally:
        client.disconnect()
        client.loop_stop()
    span = (last - first).total_seconds() if first and last else 0.0
    return ReplayReport(len(infos), len(topics), time.monotonic() - t0, span)
