"""One paho-mqtt 2.x connection (CallbackAPIVersion.VERSION2) with PUBACK tracking.

``pending`` maps message ids to messages handed to paho and not yet acknowledged; the
network thread only appends acknowledged ids to a deque, the owner reconciles them.
``kill`` drops the link so that the broker publishes the last will: with MQTT 5 a DISCONNECT
with reason 0x04 (disconnect with will message), with 3.1.1 by closing the socket.
"""

from __future__ import annotations

import socket
import threading
from collections import deque
from dataclasses import dataclass

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.reasoncodes import ReasonCode


@dataclass(slots=True)
class OutMsg:
    topic: str
    payload: bytes
    retain: bool = False


class MqttConnection:
    def __init__(
        self,
        name: str,
        host: str,
        port: int,
        protocol: str,
        window: int,
        will: OutMsg | None = None,
    ) -> None:
        self.v5 = protocol != "3.1.1"
        proto = mqtt.MQTTv5 if self.v5 else mqtt.MQTTv311
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=name, protocol=proto)
        self.client.max_inflight_messages_set(window)
        self.client.max_queued_messages_set(0)
        self.host, self.port, self.window = host, port, window
        self.connected = threading.Event()
        self.acked: deque[int] = deque()
        self.pending: dict[int, OutMsg] = {}
        self._killer: threading.Thread | None = None
        if will is not None:
            self.client.will_set(will.topic, will.payload, qos=1, retain=True)
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_publish = self._on_publish

    def _on_connect(
        self,
        client: mqtt.Client,
        userdata: object,
        flags: object,
        rc: ReasonCode,
        props: object = None,
    ) -> None:
        if not rc.is_failure:
            self.connected.set()

    def _on_disconnect(
        self,
        client: mqtt.Client,
        userdata: object,
        flags: object,
        rc: ReasonCode,
        props: object = None,
    ) -> None:
        self.connected.clear()

    def _on_publish(
        self, client: mqtt.Client, userdata: object, mid: int, rc: ReasonCode, props: object = None
    ) -> None:
        self.acked.append(mid)

    def connect(self, timeout: float = 10.0) -> None:
        self.client.connect(self.host, self.port, keepalive=30)
        self.client.loop_start()
        if not self.connected.wait(timeout):
            raise ConnectionError(f"no CONNACK from {self.host}:{self.port} in {timeout} s")

    def reconcile(self) -> int:
        n = 0
        while self.acked:
            if self.pending.pop(self.acked.popleft(), None) is not None:
                n += 1
        return n

    def room(self) -> bool:
        return self.connected.is_set() and len(self.pending) < self.window

    def publish(self, msg: OutMsg) -> None:
        info = self.client.publish(msg.topic, msg.payload, qos=1, retain=msg.retain)
        self.pending[info.mid] = msg

    def kill(self) -> None:
        """Drop the link so that the broker publishes the will."""
        self.connected.clear()
        if self.v5:
            self.client.disconnect(ReasonCode(PacketTypes.DISCONNECT, identifier=4))
            self.client.loop_stop()
        else:
            self.client.loop_stop()
            sock = self.client.socket()
            if isinstance(sock, socket.socket):
                sock.shutdown(socket.SHUT_RDWR)
                sock.close()

    def kill_async(self) -> None:
        self._killer = threading.Thread(target=self.kill, daemon=True)
        self._killer.start()

    def revive(self) -> None:
        if self._killer is not None:
            self._killer.join()
            self._killer = None
        self.client.reconnect()
        self.client.loop_start()

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()
