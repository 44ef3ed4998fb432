"""Validation of telemetry, event and status payloads against contract §1.

Every rejection carries a reason precise enough for an operator to fix the rig: the field,
the offending value and the rule.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from telemetry.timestamps import parse_rfc3339
from telemetry.topics import Topic

MIN_DEPTH_M = -1.0
MAX_DEPTH_M = 100.0
MAX_SAMPLES_PER_MESSAGE = 100_000
EVENT_TYPES = ("pile_start", "pile_end", "operator", "fault")
SAMPLE_REQUIRED = ("seq", "t", "depth_m", "flow_l_min")
SAMPLE_OPTIONAL = (
    "rpm",
    "density_kg_l",
    "wc",
    "pressure_mpa",
    "current_a",
    "tilt_x_deg",
    "tilt_y_deg",
)
KNOWN_SAMPLE_FIELDS = frozenset(SAMPLE_REQUIRED + SAMPLE_OPTIONAL)
KNOWN_MESSAGE_FIELDS = frozenset({"v", "rig", "pile", "boot", "samples"})


class MessageRejected(ValueError):
    """The whole message breaks the contract."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


@dataclass(frozen=True, slots=True)
class ValidationLimits:
    max_payload_bytes: int = 256 * 1024
    future_tolerance: timedelta = timedelta(days=1)


@dataclass(slots=True)
class Sample:
    seq: int
    t: datetime
    depth_m: float
    flow_l_min: float
    rpm: float | None = None
    density_kg_l: float | None = None
    wc: float | None = None
    pressure_mpa: float | None = None
    current_a: float | None = None
    tilt_x_deg: float | None = None
    tilt_y_deg: float | None = None
    extra: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class SampleRejection:
    index: int
    reason: str
    raw: Any


@dataclass(slots=True)
class TelemetryMessage:
    site: str
    rig: str
    boot: str
    pile: str | None
    samples: list[Sample]
    rejected: list[SampleRejection] = field(default_factory=list)
    extra: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class EventMessage:
    site: str
    rig: str
    boot: str
    seq: int
    t: datetime
    type: str
    pile: str | None
    payload: dict[str, Any]


@dataclass(frozen=True, slots=True)
class StatusMessage:
    site: str
    rig: str
    online: bool
    t: datetime | None
    payload: dict[str, Any]


Message = TelemetryMessage | EventMessage | StatusMessage


def _reject_constant(name: str) -> float:
    raise MessageRejected(f"{name} is not a valid JSON number (NaN and Infinity are refused)")


def decode_json(payload: bytes, limits: ValidationLimits) -> dict[str, Any]:
    if len(payload) > limits.max_payload_bytes:
        raise MessageRejected(
            f"payload is {len(payload)} bytes, more than the limit of {limits.max_payload_bytes}"
        )
    if not payload:
        raise MessageRejected("payload is empty")
    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MessageRejected(f"payload is not UTF-8: {exc}") from None
    try:
        body = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise MessageRejected(
            f"payload is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from None
    if not isinstance(body, dict):
        raise MessageRejected(f"payload must be a JSON object, got {type(body).__name__}")
    return body


def _require_version(body: dict[str, Any]) -> None:
    if "v" not in body:
        raise MessageRejected("missing required field 'v'")
    version = body["v"]
    if type(version) is not int or version != 1:
        raise MessageRejected(f"field 'v' must be the integer 1, got {version!r}")


def _require_rig(body: dict[str, Any], topic: Topic) -> str:
    if "rig" not in body:
        raise MessageRejected("missing required field 'rig'")
    rig = body["rig"]
    if not isinstance(rig, str):
        raise MessageRejected(f"field 'rig' must be a string, got {type(rig).__name__}")
    if rig != topic.rig:
        raise MessageRejected(f"field 'rig' is {rig!r} but the topic names rig {topic.rig!r}")
    return rig


def _rig_and_boot(body: dict[str, Any], topic: Topic) -> tuple[str, str]:
    """The header every rig message (telemetry, event) carries: version, rig, boot."""
    _require_version(body)
    rig = _require_rig(body, topic)
    boot = _text(body, "boot", required=True, max_len=64)
    assert boot is not None
    return rig, boot


def _text(body: dict[str, Any], name: str, *, required: bool, max_len: int = 128) -> str | None:
    if name not in body or body[name] is None:
        if required:
            raise MessageRejected(f"missing required field {name!r}")
        return None
    value = body[name]
    if not isinstance(value, str):
        raise MessageRejected(f"field {name!r} must be a string, got {type(value).__name__}")
    if not value or len(value) > max_len or not value.isprintable():
        raise MessageRejected(
            f"field {name!r} = {value[:80]!r} must be 1-{max_len} printable characters"
        )
    return value


def _time(value: Any, name: str, now: datetime, limits: ValidationLimits) -> datetime:
    if not isinstance(value, str):
        raise ValueError(f"{name} must be an RFC 3339 string, got {type(value).__name__}")
    moment = parse_rfc3339(value)
    if moment - now > limits.future_tolerance:
        raise ValueError(
            f"{name} = {value!r} is more than {limits.future_tolerance} ahead of the server clock"
            f" ({now.isoformat(timespec='seconds')})"
        )
    return moment


def _number(raw: dict[str, Any], name: str) -> float | None:
    if name not in raw or raw[name] is None:
        return None
    value = raw[name]
    if type(value) not in (int, float):
        raise ValueError(f"{name} must be a number, got {type(value).__name__} {value!r}")
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"{name} = {value!r} is not a finite number")
    return number


def parse_sample(raw: Any, now: datetime, limits: ValidationLimits) -> Sample:
    """Raises ValueError with the reason."""
    if not isinstance(raw, dict):
        raise ValueError(f"sample must be an object, got {type(raw).__name__}")
    for name in SAMPLE_REQUIRED:
        if name not in raw:
            raise ValueError(f"missing required field {name!r}")
    seq = raw["seq"]
    if type(seq) is not int or seq < 0 or seq >= 2**63:
        raise ValueError(f"seq must be a non-negative integer, got {seq!r}")
    t = _time(raw["t"], "t", now, limits)
    depth = _number(raw, "depth_m")
    flow = _number(raw, "flow_l_min")
    if depth is None or flow is None:
        raise ValueError("depth_m and flow_l_min must not be null")
    if not MIN_DEPTH_M <= depth <= MAX_DEPTH_M:
        raise ValueError(
            f"depth_m = {depth!r} is outside the possible range {MIN_DEPTH_M} to {MAX_DEPTH_M} m"
        )
    if flow < 0:
        raise ValueError(f"flow_l_min = {flow!r} is negative")
    sample = Sample(seq=seq, t=t, depth_m=depth, flow_l_min=flow)
    for name in SAMPLE_OPTIONAL:
        setattr(sample, name, _number(raw, name))
    if sample.density_kg_l is not None and sample.density_kg_l <= 0:
        raise ValueError(f"density_kg_l = {sample.density_kg_l!r} must be positive")
    if sample.wc is not None and sample.wc < 0:
        raise ValueError(f"wc = {sample.wc!r} must not be negative")
    extra = {k: v for k, v in raw.items() if k not in KNOWN_SAMPLE_FIELDS}
    sample.extra = extra or None
    return sample


def parse_telemetry(
    body: dict[str, Any], topic: Topic, now: datetime, limits: ValidationLimits
) -> TelemetryMessage:
    rig, boot = _rig_and_boot(body, topic)
    pile = _text(body, "pile", required=False)
    if "samples" not in body:
        raise MessageRejected("missing required field 'samples'")
    raw_samples = body["samples"]
    if not isinstance(raw_samples, list):
        raise MessageRejected(f"field 'samples' must be a list, got {type(raw_samples).__name__}")
    if not raw_samples:
        raise MessageRejected("field 'samples' is empty")
    if len(raw_samples) > MAX_SAMPLES_PER_MESSAGE:
        raise MessageRejected(
            f"field 'samples' holds {len(raw_samples)} samples, more than {MAX_SAMPLES_PER_MESSAGE}"
        )
    message = TelemetryMessage(site=topic.site, rig=rig, boot=boot, pile=pile, samples=[])
    for index, raw in enumerate(raw_samples):
        try:
            message.samples.append(parse_sample(raw, now, limits))
        except ValueError as exc:
            message.rejected.append(
                SampleRejection(index=index, reason=f"samples[{index}]: {exc}", raw=raw)
            )
    extra = {k: v for k, v in body.items() if k not in KNOWN_MESSAGE_FIELDS}
    message.extra = extra or None
    return message


def parse_event(
    body: dict[str, Any], topic: Topic, now: datetime, limits: ValidationLimits
) -> EventMessage:
    rig, boot = _rig_and_boot(body, topic)
    seq = body.get("seq")
    if type(seq) is not int or seq < 0:
        raise MessageRejected(f"field 'seq' must be a non-negative integer, got {seq!r}")
    if "t" not in body:
        raise MessageRejected("missing required field 't'")
    try:
        t = _time(body["t"], "t", now, limits)
    except ValueError as exc:
        raise MessageRejected(str(exc)) from None
    kind = body.get("type")
    if kind not in EVENT_TYPES:
        raise MessageRejected(f"field 'type' = {kind!r} is not one of {', '.join(EVENT_TYPES)}")
    pile = _text(body, "pile", required=kind == "pile_start")
    if kind == "pile_start":
        for axis in ("x", "y"):
            if axis in body and body[axis] is not None:
                value = body[axis]
                if type(value) not in (int, float) or not math.isfinite(float(value)):
                    raise MessageRejected(f"field {axis!r} must be a finite number, got {value!r}")
    if kind == "operator":
        _text(body, "operator", required=True)
    if kind == "fault":
        _text(body, "code", required=True, max_len=64)
        _text(body, "text", required=False, max_len=1000)
    return EventMessage(
        site=topic.site, rig=rig, boot=boot, seq=seq, t=t, type=kind, pile=pile, payload=body
    )


def parse_status(
    body: dict[str, Any], topic: Topic, now: datetime, limits: ValidationLimits
) -> StatusMessage:
    _require_version(body)
    online = body.get("online")
    if not isinstance(online, bool):
        raise MessageRejected(f"field 'online' must be true or false, got {online!r}")
    t: datetime | None = None
    if body.get("t") is not None:
        try:
            t = _time(body["t"], "t", now, limits)
        except ValueError as exc:
            raise MessageRejected(str(exc)) from None
    if "rig" in body:
        _require_rig(body, topic)
    return StatusMessage(site=topic.site, rig=topic.rig, online=online, t=t, payload=body)


def parse_message(topic: Topic, payload: bytes, now: datetime, limits: ValidationLimits) -> Message:
    body = decode_json(payload, limits)
    if topic.kind == "telemetry":
        return parse_telemetry(body, topic, now, limits)
    if topic.kind == "event":
        return parse_event(body, topic, now, limits)
    return parse_status(body, topic, now, limits)
