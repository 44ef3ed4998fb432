"""MQTT topic names of contract §1."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

TopicKind = Literal["telemetry", "event", "status"]
ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
TOPIC_PREFIX = "pilewatch/v1"
KINDS: tuple[TopicKind, ...] = ("telemetry", "event", "status")


class TopicError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Topic:
    site: str
    rig: str
    kind: TopicKind


def parse_topic(topic: str) -> Topic:
    parts = topic.split("/")
    if len(parts) != 5 or "/".join(parts[:2]) != TOPIC_PREFIX:
        raise TopicError(f"topic {topic!r} is not pilewatch/v1/{{site}}/{{rig}}/{{kind}}")
    site, rig, kind = parts[2], parts[3], parts[4]
    if not ID_PATTERN.match(site):
        raise TopicError(f"site {site!r} in topic does not match [A-Za-z0-9_-]{{1,64}}")
    if not ID_PATTERN.match(rig):
        raise TopicError(f"rig {rig!r} in topic does not match [A-Za-z0-9_-]{{1,64}}")
    if kind not in KINDS:
        raise TopicError(f"topic kind {kind!r} is not one of {', '.join(KINDS)}")
    return Topic(site=site, rig=rig, kind=kind)


def topic_for(site: str, rig: str, kind: TopicKind) -> str:
    return f"{TOPIC_PREFIX}/{site}/{rig}/{kind}"


def subscription_filters(shared_group: str | None) -> list[tuple[str, bool]]:
    """(filter, shared) pairs. Status stays unshared: brokers do not send retained messages
    to shared subscriptions, and every ingester may upsert the same status safely."""
    filters: list[tuple[str, bool]] = []
    for kind in ("telemetry", "event"):
        base = f"{TOPIC_PREFIX}/+/+/{kind}"
        filters.append(
            (f"$share/{shared_group}/{base}" if shared_group else base, bool(shared_group))
        )
    filters.append((f"{TOPIC_PREFIX}/+/+/status", False))
    return filters
