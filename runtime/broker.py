"""A broker for one run: `mosquitto` on a free port when it is on PATH, else amqtt in-process.

amqtt speaks MQTT 3.1.1 only, so whoever connects to it must use protocol 3.1.1.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import subprocess
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol

from runtime.ports import free_port, wait_for_port

BrokerKind = Literal["mosquitto", "amqtt"]


class RunningBroker(Protocol):
    kind: BrokerKind
    url: str
    protocol: Literal["5", "3.1.1"]

    def stop(self) -> None: ...


@dataclass
class MosquittoBroker:
    process: subprocess.Popen[bytes]
    port: int
    log_path: Path
    kind: BrokerKind = "mosquitto"
    protocol: Literal["5", "3.1.1"] = "5"
    url: str = field(init=False)

    def __post_init__(self) -> None:
        self.url = f"mqtt://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_mosquitto(state_dir: Path, port: int | None = None) -> MosquittoBroker:
    binary = shutil.which("mosquitto")
    if binary is None:
        raise FileNotFoundError("mosquitto is not on PATH")
    port = port or free_port()
    state_dir.mkdir(parents=True, exist_ok=True)
    conf = state_dir / f"mosquitto-{port}.conf"
    log_path = state_dir / f"mosquitto-{port}.log"
    # The ingester acknowledges only after commit, so the broker must allow as many
    # unacknowledged messages in flight as the ingester's queue holds (3.1.1 clients have
    # no receive-maximum of their own).
    conf.write_text(
        "\n".join(
            [
                f"listener {port} 127.0.0.1",
                "allow_anonymous true",
                "persistence true",
                f"persistence_location {state_dir.resolve()}/",
                f"persistence_file mosquitto-{port}.db",
                "max_inflight_messages 5000",
                "max_queued_messages 1000000",
                "max_packet_size 1048576",
                "set_tcp_nodelay true",
                f"log_dest file {log_path.resolve()}",
                "log_type error",
                "log_type warning",
                "log_type notice",
                "",
            ]
        )
    )
    process = subprocess.Popen(
        [binary, "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        wait_for_port("127.0.0.1", port)
    except TimeoutError:
        process.kill()
        raise
    return MosquittoBroker(process=process, port=port, log_path=log_path)


class AmqttBroker:
    """amqtt running on its own event loop in a daemon thread of this process."""

    kind: BrokerKind = "amqtt"
    protocol: Literal["5", "3.1.1"] = "3.1.1"

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.url = f"mqtt://127.0.0.1:{self.port}"
        self._loop = asyncio.new_event_loop()
        self._started = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="amqtt-broker", daemon=True)
        self._broker: object | None = None

    def _run(self) -> None:
        from amqtt.broker import Broker

        asyncio.set_event_loop(self._loop)
        config = {
            "listeners": {"default": {"type": "tcp", "bind": f"127.0.0.1:{self.port}"}},
            "plugins": {"runtime.amqtt_auth.LocalRunAuth": {}},
        }
        try:
            broker = Broker(config, loop=self._loop)
            self._broker = broker
            self._loop.run_until_complete(broker.start())
        except BaseException as exc:
            self._error = exc
            self._started.set()
            return
        self._started.set()
        self._loop.run_forever()

    def start(self) -> AmqttBroker:
        self._thread.start()
        self._started.wait(30)
        if self._error is not None:
            raise RuntimeError(f"amqtt did not start on port {self.port}: {self._error}")
        wait_for_port("127.0.0.1", self.port)
        return self

    def stop(self) -> None:
        broker = self._broker
        if broker is None or not self._thread.is_alive():
            return

        async def _shutdown() -> None:
            await broker.shutdown()  # type: ignore[attr-defined]

        future = asyncio.run_coroutine_threadsafe(_shutdown(), self._loop)
        with contextlib.suppress(Exception):  # shutting down anyway
            future.result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)


def start_broker(state_dir: Path, prefer: BrokerKind | None = None) -> RunningBroker:
    if prefer != "amqtt" and shutil.which("mosquitto"):
        return start_mosquitto(state_dir)
    return AmqttBroker().start()
