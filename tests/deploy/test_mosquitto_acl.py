"""deploy/mosquitto's ACL against a real mosquitto: a rig publishes only as itself, the
ingest user receives through the ingesters' shared subscription, strangers cannot log in."""

from __future__ import annotations

import os
import pwd
import queue
import re
import shutil
import subprocess
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.reasoncodes import ReasonCode

from runtime.ports import free_port, wait_for_port
from telemetry.topics import subscription_filters, topic_for

DEPLOY = Path(__file__).resolve().parents[2] / "deploy" / "mosquitto"
GROUP = "pilewatch-ingest"
NOT_AUTHORIZED = 0x87
PASSWORDS = {"ingest": "ingest-test-pw", "R01": "r01-test-pw", "R02": "r02-test-pw"}

pytestmark = pytest.mark.skipif(
    not (shutil.which("mosquitto") and shutil.which("mosquitto_passwd")),
    reason="mosquitto and mosquitto_passwd are not on PATH",
)


def adapted_conf(folder: Path, port: int) -> str:
    """deploy/mosquitto/mosquitto.conf with the test's port, files and no persistence;
    every access-control line is kept as it is."""
    replace = {
        "password_file": f"password_file {folder / 'passwd'}",
        "acl_file": f"acl_file {folder / 'acl'}",
        "persistence": "persistence false",
        "persistence_location": f"persistence_location {folder}/",
        "log_dest": f"log_dest file {folder / 'mosquitto.log'}",
        "listener": f"listener {port} 127.0.0.1",
    }
    lines = []
    for line in (DEPLOY / "mosquitto.conf").read_text(encoding="utf-8").splitlines():
        word = line.split(maxsplit=1)[0] if line.strip() and not line.startswith("#") else ""
        lines.append(replace.get(word, line))
    # Started as root, mosquitto would switch to the `mosquitto` user, who cannot read
    # pytest's private temporary folders: stay who we are.
    lines.append(f"user {pwd.getpwuid(os.geteuid()).pw_name}")
    text = "\n".join(lines) + "\n"
    assert re.search(r"^allow_anonymous false$", text, re.M)
    return text


@pytest.fixture(scope="module")
def secured_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    folder = tmp_path_factory.mktemp("mosquitto-acl")
    passwd = folder / "passwd"
    for user, password in PASSWORDS.items():
        subprocess.run(
            [
                "mosquitto_passwd",
                *([] if passwd.exists() else ["-c"]),
                "-b",
                str(passwd),
                user,
                password,
            ],
            check=True,
            capture_output=True,
        )
    shutil.copy(DEPLOY / "acl", folder / "acl")
    port = free_port()
    conf = folder / "mosquitto.conf"
    conf.write_text(adapted_conf(folder, port), encoding="utf-8")
    process = subprocess.Popen(
        ["mosquitto", "-c", str(conf)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        wait_for_port("127.0.0.1", port)
    except TimeoutError:
        process.kill()
        out = process.communicate()[0].decode(errors="replace")
        log = folder / "mosquitto.log"
        pytest.fail(f"mosquitto did not start: {out} {log.read_text() if log.exists() else ''}")
    try:
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)


class Client:
    """A paho MQTT 5 client that records CONNACK, SUBACK, PUBACK and messages."""

    def __init__(self, port: int, user: str | None, password: str | None) -> None:
        self.connack: queue.Queue[ReasonCode] = queue.Queue()
        self.subacks: queue.Queue[list[ReasonCode]] = queue.Queue()
        self.pubacks: dict[int, ReasonCode] = {}
        self.puback_seen = threading.Condition()
        self.messages: queue.Queue[mqtt.MQTTMessage] = queue.Queue()
        self.client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=f"acl-test-{user}-{uuid.uuid4().hex[:6]}",
            protocol=mqtt.MQTTv5,
        )
        if user is not None:
            self.client.username_pw_set(user, password)
        self.client.on_connect = lambda c, u, f, rc, p: self.connack.put(rc)
        self.client.on_subscribe = lambda c, u, mid, rcs, p: self.subacks.put(list(rcs))
        self.client.on_publish = self._on_publish
        self.client.on_message = lambda c, u, msg: self.messages.put(msg)
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()
        self.connected: ReasonCode = self.connack.get(timeout=10)

    def _on_publish(self, c: Any, u: Any, mid: int, rc: ReasonCode, p: Any) -> None:
        with self.puback_seen:
            self.pubacks[mid] = rc
            self.puback_seen.notify_all()

    def publish(self, topic: str, payload: bytes) -> ReasonCode:
        info = self.client.publish(topic, payload, qos=1)
        with self.puback_seen:
            assert self.puback_seen.wait_for(lambda: info.mid in self.pubacks, timeout=10)
            return self.pubacks[info.mid]

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def test_rig_publishes_only_as_itself(secured_broker: int) -> None:
    ingest = Client(secured_broker, "ingest", PASSWORDS["ingest"])
    rig = Client(secured_broker, "R01", PASSWORDS["R01"])
    other_rig = Client(secured_broker, "R02", PASSWORDS["R02"])
    try:
        assert not ingest.connected.is_failure and not rig.connected.is_failure
        # Exactly what the ingesters subscribe to (shared telemetry and events, status).
        ingest.client.subscribe([(topic, 1) for topic, _ in subscription_filters(GROUP)])
        granted = ingest.subacks.get(timeout=10)
        assert [rc.value for rc in granted] == [1, 1, 1], granted
        # Mosquitto grants a rig's subscription but delivers nothing: rigs may not read.
        rig.client.subscribe("pilewatch/v1/#", qos=1)
        rig.subacks.get(timeout=10)

        own = rig.publish(topic_for("S1", "R01", "telemetry"), b'{"seq": 1}')
        assert own.value == 0, own
        forged = rig.publish(topic_for("S1", "R02", "telemetry"), b'{"seq": 2}')
        assert forged.value == NOT_AUTHORIZED, forged
        assert str(forged) == "Not authorized"
        assert other_rig.publish(topic_for("S1", "R02", "event"), b'{"seq": 3}').value == 0
        # The ingest user may not pose as a rig either.
        assert ingest.publish(topic_for("S1", "R01", "status"), b"{}").value == NOT_AUTHORIZED

        received = {}
        for _ in range(2):
            msg = ingest.messages.get(timeout=10)
            received[msg.topic] = msg.payload
        assert received == {
            "pilewatch/v1/S1/R01/telemetry": b'{"seq": 1}',
            "pilewatch/v1/S1/R02/event": b'{"seq": 3}',
        }
        with pytest.raises(queue.Empty):
            ingest.messages.get(timeout=1.0)
        with pytest.raises(queue.Empty):
            rig.messages.get(timeout=0.1)
    finally:
        for client in (ingest, rig, other_rig):
            client.close()


@pytest.mark.parametrize(
    ("user", "password"), [(None, None), ("R01", "wrong"), ("R03", PASSWORDS["R01"])]
)
def test_strangers_cannot_connect(secured_broker: int, user: str | None, password: str) -> None:
    client = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    if user is not None:
        client.username_pw_set(user, password)
    answers: queue.Queue[ReasonCode] = queue.Queue()
    client.on_connect = lambda c, u, f, rc, p: answers.put(rc)
    client.connect("127.0.0.1", secured_broker)
    client.loop_start()
    try:
        rc = answers.get(timeout=10)
        assert rc.is_failure and rc.value in {0x86, 0x87}, rc
    finally:
        client.loop_stop()
