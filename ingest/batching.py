"""Turn received MQTT messages into a validated Batch (runs on the writer thread)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from storage.ingest_writer import Batch, Rejection
from telemetry.payload import (
    EventMessage,
    MessageRejected,
    StatusMessage,
    TelemetryMessage,
    ValidationLimits,
    parse_message,
)
from telemetry.topics import TopicError, parse_topic


@dataclass(frozen=True, slots=True)
class Received:
    """One message as the network thread handed it over."""

    topic: str
    payload: bytes
    mid: int
    qos: int
    retain: bool
    generation: int  # connection it arrived on: acknowledgements go only to that one


def build_batch(items: list[Received], now: datetime, limits: ValidationLimits) -> Batch:
    batch = Batch(messages=len(items))
    for item in items:
        try:
            topic = parse_topic(item.topic)
        except TopicError as exc:
            batch.rejections.append(Rejection(item.topic, item.payload, str(exc)))
            continue
        if topic.kind == "status" and not item.payload:
            # An empty retained message clears the broker's copy; it says nothing about the rig.
            continue
        try:
            message = parse_message(topic, item.payload, now, limits)
        except MessageRejected as exc:
            batch.rejections.append(Rejection(item.topic, item.payload, exc.reason))
            continue
        if isinstance(message, TelemetryMessage):
            for rejected in message.rejected:
                batch.rejections.append(
                    Rejection(
                        topic=item.topic,
                        payload=json.dumps(rejected.raw, default=str).encode(),
                        reason=rejected.reason,
                        sample_index=rejected.index,
                        kind="sample",
                    )
                )
            if message.samples:
                batch.telemetry.append(message)
        elif isinstance(message, EventMessage):
            batch.events.append(message)
        elif isinstance(message, StatusMessage):
            batch.statuses.append(message)
    return batch
