"""The paho-mqtt side: a persistent session, manual acknowledgement, a bounded hand-off queue."""

from __future__ import annotations

import logging
import queue
import threading
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from ingest.batching import Received
from runtime.settings import Settings, mqtt_host_port
from telemetry.topics import subscription_filters

log = logging.getLogger(__name__)


class IngestClient:
    """Receives on paho's network thread and only enqueues; acknowledges on request."""

    def __init__(self, settings: Settings, mqtt_url: str, client_id: str) -> None:
        self.settings = settings
        self.mqtt_url = mqtt_url
        self.queue: queue.Queue[Received] = queue.Queue(maxsize=settings.ingest_queue_messages)
        self.generation = 0
        self.connected = threading.Event()
        self.v5 = settings.mqtt_protocol == "5"
        self.client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=client_id,
            protocol=mqtt.MQTTv5 if self.v5 else mqtt.MQTTv311,
            clean_session=None if self.v5 else False,
            manual_ack=True,
        )
        if settings.mqtt_username:
            self.client.username_pw_set(settings.mqtt_username, settings.mqtt_password)
        self.client.reconnect_delay_set(min_delay=1, max_delay=10)
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_message = self._on_message
        self.client.on_subscribe = self._on_subscribe
        self._pending_subscribe: int | None = None

    def start(self) -> None:
        host, port = mqtt_host_port(self.mqtt_url)
        properties: Properties | None = None
        if self.v5:
            properties = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
            properties.SessionExpiryInterval = self.settings.ingest_session_expiry_s
            properties.ReceiveMaximum = self.settings.ingest_queue_messages
            self.client.connect_async(
                host, port, keepalive=30, clean_start=False, properties=properties
            )
        else:
            self.client.connect_async(host, port, keepalive=30)
        self.client.loop_start()

    def stop(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()

    def ack(self, item: Received) -> None:
        # A message from an earlier connection is redelivered by the broker on this one;
        # its old packet id means nothing here.
        if item.qos > 0 and item.generation == self.generation:
            self.client.ack(item.mid, item.qos)

    def _on_connect(
        self,
        client: mqtt.Client,
        userdata: Any,
        flags: mqtt.ConnectFlags,
        reason_code: Any,
        properties: Properties | None,
    ) -> None:
        if reason_code.is_failure:
            log.error("broker refused the connection: %s", reason_code)
            return
        self.generation += 1
        subs = subscription_filters(self.settings.ingest_shared_group)
        _result, self._pending_subscribe = client.subscribe([(topic, 1) for topic, _shared in subs])
        log.info(
            "connected to %s (session present: %s), subscribed to %s",
            self.mqtt_url,
            flags.session_present,
            ", ".join(t for t, _ in subs),
        )

    def _on_subscribe(
        self,
        client: mqtt.Client,
        userdata: Any,
        mid: int,
        reason_codes: list[Any],
        properties: Properties | None,
    ) -> None:
        failed = [str(rc) for rc in reason_codes if rc.is_failure]
        if failed:
            log.error("broker refused subscriptions: %s", ", ".join(failed))
        if mid == self._pending_subscribe:
            # "connected" means: subscriptions are in place and messages can flow.
            self.connected.set()

    def _on_disconnect(
        self,
        client: mqtt.Client,
        userdata: Any,
        flags: mqtt.DisconnectFlags,
        reason_code: Any,
        properties: Properties | None,
    ) -> None:
        self.connected.clear()
        log.warning("disconnected from broker: %s", reason_code)

    def _on_message(self, client: mqtt.Client, userdata: Any, msg: mqtt.MQTTMessage) -> None:
        # The queue is as large as the receive-maximum, so this put does not block for long;
        # if it ever does, back-pressure on the socket is the right outcome.
        self.queue.put(
            Received(
                topic=msg.topic,
                payload=bytes(msg.payload),
                mid=msg.mid,
                qos=msg.qos,
                retain=msg.retain,
                generation=self.generation,
            )
        )
