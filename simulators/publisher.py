"""Publishing rig messages: per-rig store-and-forward outboxes over MQTT (or into memory).

Topics are ``pilewatch/v1/{site}/{rig}/telemetry|event|status``, QoS 1; status is retained.
Each rig has an outbox; a message leaves it for a connection only while the rig's link is up
and the connection's in-flight window has room, and stays tracked until its PUBACK. While a
(simulated) link is down, messages pile up in the outbox; when it returns the backlog is
reordered as asked (``in_order``, ``reversed`` or ``shuffled`` with a seeded RNG) and sent.

Connections: ``per_rig`` gives every rig its own connection with a last will
``{"v":1,"online":false,...}`` on its status topic; ``shared`` uses a few connections for
all rigs (no will) plus a dedicated connection with a will for the rigs named in
``will_rigs``. paho-mqtt 2.x, CallbackAPIVersion.VERSION2, MQTT 5 by default, 3.1.1 optional.
"""

from __future__ import annotations

import json
import random
import threading
from collections import deque
from dataclasses import dataclass, field
from urllib.parse import urlparse

from simulators.mqtt_conn import MqttConnection, OutMsg

__all__ = ["MemorySink", "MqttConnection", "MqttPublisher", "OutMsg", "OutboxSink"]

TOPIC_ROOT = "pilewatch/v1"
KINDS = ("telemetry", "event", "status")
BACKLOG_ORDERS = ("in_order", "reversed", "shuffled")


def topic(site: str, rig: str, kind: str) -> str:
    return f"{TOPIC_ROOT}/{site}/{rig}/{kind}"


def dumps(obj: object) -> bytes:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()


def parse_broker_url(url: str) -> tuple[str, int]:
    """``mqtt://host:port`` (also ``tcp://``; port 1883 when absent) → (host, port)."""
    parsed = urlparse(url if "://" in url else f"mqtt://{url}")
    if parsed.scheme not in ("mqtt", "tcp"):
        raise ValueError(f"unsupported broker URL {url!r}: use mqtt://host:port")
    return parsed.hostname or "127.0.0.1", parsed.port or 1883


@dataclass(slots=True)
class Outbox:
    queue: deque[OutMsg] = field(default_factory=deque)
    up: bool = True
    backlog_from: int | None = None  # queue length when the link went down


@dataclass(slots=True)
class PublisherStats:
    queued: int = 0
    transmitted: int = 0
    acked: int = 0
    bytes: int = 0


class OutboxSink:
    """Store and forward for every rig; subclasses transmit."""

    def __init__(self, site: str, seed: int = 0) -> None:
        self.site = site
        self.rng = random.Random(f"publisher/{site}/{seed}")
        self.outboxes: dict[str, Outbox] = {}
        self.stats = PublisherStats()
        self._ready: set[str] = set()

    def add_rig(self, rig: str, will: bool = False) -> None:
        self.outboxes.setdefault(rig, Outbox())

    def send(self, rig: str, kind: str, payload: bytes, retain: bool = False) -> None:
        box = self.outboxes[rig]
        box.queue.append(OutMsg(topic(self.site, rig, kind), payload, retain))
        self.stats.queued += 1
        if box.up:
            self._ready.add(rig)

    def link_down(self, rig: str) -> None:
        box = self.outboxes[rig]
        if box.up:
            box.up = False
            box.backlog_from = len(box.queue)

    def link_up(self, rig: str, order: str = "in_order") -> None:
        box = self.outboxes[rig]
        if box.up:
            return
        start = box.backlog_from or 0
        backlog = list(box.queue)[start:]
        head = list(box.queue)[:start]
        if order == "reversed":
            backlog.reverse()
        elif order == "shuffled":
            self.rng.shuffle(backlog)
        elif order != "in_order":
            raise ValueError(f"backlog order {order!r}: use one of {BACKLOG_ORDERS}")
        box.queue = deque(head + backlog)
        box.up = True
        box.backlog_from = None
        self._ready.add(rig)

    def go_offline(self, rig: str) -> None:
        """The rig's connection dies without a DISCONNECT (its last will fires)."""
        self.link_down(rig)

    def come_online(self, rig: str, order: str = "in_order") -> None:
        self.link_up(rig, order)

    def _can_send(self, rig: str) -> bool:
        return True

    def _transmit(self, rig: str, msg: OutMsg) -> None:
        raise NotImplementedError

    def pump(self) -> None:
        """Hand queued messages of rigs whose link is up to their connections."""
        done: list[str] = []
        for rig in self._ready:
            box = self.outboxes[rig]
            while box.up and box.queue and self._can_send(rig):
                msg = box.queue.popleft()
                self._transmit(rig, msg)
                self.stats.transmitted += 1
                self.stats.bytes += len(msg.payload)
            if not box.up or not box.queue:
                done.append(rig)
        self._ready.difference_update(done)

    def backlog(self) -> int:
        return sum(len(b.queue) for b in self.outboxes.values())

    def start(self) -> None:
        pass

    def flush(self, timeout: float = 10.0) -> bool:
        for rig, box in self.outboxes.items():
            if not box.up:
                self.link_up(rig)
        self.pump()
        return self.backlog() == 0

    def close(self) -> None:
        pass


class MemorySink(OutboxSink):
    """Everything 'delivered' in order into ``messages``; last wills delivered on go_offline."""

    def __init__(self, site: str, seed: int = 0) -> None:
        super().__init__(site, seed)
        self.messages: list[OutMsg] = []
        self.wills: dict[str, bytes] = {}

    def add_rig(self, rig: str, will: bool = False) -> None:
        super().add_rig(rig, will)
        if will:
            self.wills[rig] = dumps({"v": 1, "online": False, "rig": rig})

    def go_offline(self, rig: str) -> None:
        super().go_offline(rig)
        if rig in self.wills:
            self.messages.append(OutMsg(topic(self.site, rig, "status"), self.wills[rig], True))

    def _transmit(self, rig: str, msg: OutMsg) -> None:
        self.messages.append(msg)
        self.stats.acked += 1


class MqttPublisher(OutboxSink):
    """Store and forward over paho-mqtt; see the module docstring for connection modes."""

    def __init__(
        self,
        broker_url: str,
        site: str,
        *,
        seed: int = 0,
        protocol: str = "5",
        mode: str = "shared",
        shared_connections: int = 4,
        window: int = 1000,
        client_prefix: str = "pilewatch-sim",
    ) -> None:
        super().__init__(site, seed)
        if mode not in ("shared", "per_rig"):
            raise ValueError("mode must be 'shared' or 'per_rig'")
        self.host, self.port = parse_broker_url(broker_url)
        self.protocol, self.mode, self.window = protocol, mode, window
        self.prefix = f"{client_prefix}-{site}"
        self.shared = [
            MqttConnection(f"{self.prefix}-s{i}", self.host, self.port, protocol, window)
            for i in range(max(1, shared_connections) if mode == "shared" else 0)
        ]
        self.conn_of: dict[str, MqttConnection] = {}
        self._own: list[MqttConnection] = []

    def add_rig(self, rig: str, will: bool = False) -> None:
        super().add_rig(rig, will)
        if self.mode == "per_rig" or will:
            payload = dumps({"v": 1, "online": False, "rig": rig, "reason": "last_will"})
            conn = MqttConnection(
                f"{self.prefix}-{rig}",
                self.host,
                self.port,
                self.protocol,
                self.window,
                OutMsg(topic(self.site, rig, "status"), payload, True),
            )
            self._own.append(conn)
        else:
            conn = self.shared[len(self.conn_of) % len(self.shared)]
        self.conn_of[rig] = conn

    def start(self, timeout: float = 10.0) -> None:
        for conn in [*self.shared, *self._own]:
            conn.connect(timeout)

    def _can_send(self, rig: str) -> bool:
        return self.conn_of[rig].room()

    def _transmit(self, rig: str, msg: OutMsg) -> None:
        self.conn_of[rig].publish(msg)

    def pump(self) -> None:
        for conn in [*self.shared, *self._own]:
            self.stats.acked += conn.reconcile()
        super().pump()

    def go_offline(self, rig: str) -> None:
        super().go_offline(rig)
        conn = self.conn_of[rig]
        if conn in self._own:
            conn.kill_async()

    def come_online(self, rig: str, order: str = "in_order") -> None:
        conn = self.conn_of[rig]
        if conn in self._own and not conn.connected.is_set():
            conn.revive()
        super().come_online(rig, order)

    def in_flight(self) -> int:
        return sum(len(c.pending) for c in [*self.shared, *self._own])

    def flush(self, timeout: float = 10.0) -> bool:
        """Release every backlog and wait until each message has its PUBACK."""
        for rig, box in self.outboxes.items():
            if not box.up:
                self.come_online(rig)
        waiter = threading.Event()
        for _ in range(int(timeout / 0.01)):
            self.pump()
            if self.backlog() == 0 and self.in_flight() == 0:
                return True
            waiter.wait(0.01)
        return False

    def close(self) -> None:
        for conn in [*self.shared, *self._own]:
            conn.close()
