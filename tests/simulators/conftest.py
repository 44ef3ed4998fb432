from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from simulators.publisher import parse_broker_url
from tests.conftest import BrokerInfo


@pytest.fixture
def broker_url(broker: BrokerInfo) -> str:
    return broker.url


@pytest.fixture
def broker_protocol(broker: BrokerInfo) -> str:
    return broker.protocol


@pytest.fixture
def site_id() -> str:
    return "T" + uuid.uuid4().hex[:10]


class Collector:
    def __init__(self, topic_filter: str, broker: BrokerInfo) -> None:
        self.messages: list[mqtt.MQTTMessage] = []
        self.lock = threading.Lock()
        self.ready = threading.Event()
        self.client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            protocol=mqtt.MQTTv311 if broker.protocol == "3.1.1" else mqtt.MQTTv5,
        )
        self.client.on_connect = lambda c, u, f, rc, p=None: c.subscribe(topic_filter, qos=1)
        self.client.on_subscribe = lambda c, u, mid, rcs, p=None: self.ready.set()
        self.client.on_message = self._on_message
        host, port = parse_broker_url(broker.url)
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
def collector(site_id: str, broker: BrokerInfo) -> Iterator[Collector]:
    c = Collector(f"pilewatch/v1/{site_id}/#", broker)
    yield c
    c.close()
