from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Iterator

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from simulators.publisher import parse_broker_url

BROKER = os.environ.get("PILEWATCH_TEST_MQTT_URL", "mqtt://127.0.0.1:1883")


@pytest.fixture
def broker_url() -> str:
    return BROKER


@pytest.fixture
def site_id() -> str:
    return "T" + uuid.uuid4().hex[:10]


class Collector:
    def __init__(self, topic_filter: str) -> None:
        self.messages: list[mqtt.MQTTMessage] = []
        self.lock = threading.Lock()
        self.ready = threading.Event()
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
        self.client.on_connect = lambda c, u, f, rc, p=None: c.subscribe(topic_filter, qos=1)
        self.client.on_subscribe = lambda c, u, mid, rcs, p=None: self.ready.set()
        self.client.on_message = self._on_message
        host, port = parse_broker_url(BROKER)
        self.client.connect(host, port)
        self.client.loop_start()
        assert self.ready.wait(10)

    def _on_message(self, client, userdata, msg) -> None:
        with self.lock:
            self.messages.append(msg)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


@pytest.fixture
def collector(site_id: str) -> Iterator[Collector]:
    c = Collector(f"pilewatch/v1/{site_id}/#")
    yield c
    c.close()
