"""Pure validation of contract §1 payloads: accepted shapes and the reason for each refusal."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from telemetry.payload import (
    EventMessage,
    MessageRejected,
    StatusMessage,
    TelemetryMessage,
    ValidationLimits,
    parse_message,
)
from telemetry.timestamps import parse_rfc3339
from telemetry.topics import TopicError, parse_topic, subscription_filters

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
LIMITS = ValidationLimits()
TELEMETRY = parse_topic("pilewatch/v1/K12/R07/telemetry")


def body(**fields: Any) -> bytes:
    message: dict[str, Any] = {
        "v": 1,
        "rig": "R07",
        "pile": "K12+340-A-0015",
        "boot": "b3f1c2",
        "samples": [
            {
                "seq": 18234,
                "t": "2026-11-22T08:15:02.100Z",
                "depth_m": 7.42,
                "flow_l_min": 41.5,
                "rpm": 48.0,
                "density_kg_l": 1.52,
                "wc": 0.55,
                "pressure_mpa": 0.45,
                "current_a": 62.1,
                "tilt_x_deg": 0.1,
                "tilt_y_deg": -0.2,
            }
        ],
    }
    message.update(fields)
    return json.dumps(message).encode()


def test_the_contract_example_is_accepted_field_for_field() -> None:
    message = parse_message(TELEMETRY, body(), NOW, LIMITS)
    assert isinstance(message, TelemetryMessage)
    assert (message.site, message.rig, message.boot, message.pile) == (
        "K12",
        "R07",
        "b3f1c2",
        "K12+340-A-0015",
    )
    (sample,) = message.samples
    assert sample.seq == 18234
    assert sample.t == datetime(2026, 11, 22, 8, 15, 2, 100_000, tzinfo=UTC)
    assert (sample.depth_m, sample.flow_l_min, sample.rpm) == (7.42, 41.5, 48.0)
    assert (sample.density_kg_l, sample.wc, sample.pressure_mpa) == (1.52, 0.55, 0.45)
    assert (sample.current_a, sample.tilt_x_deg, sample.tilt_y_deg) == (62.1, 0.1, -0.2)
    assert message.rejected == [] and sample.extra is None


def test_pile_may_be_absent_between_piles_and_unknown_fields_are_kept() -> None:
    raw = json.loads(body())
    del raw["pile"]
    raw["gps"] = {"lat": 30.1}
    raw["samples"][0]["torque_knm"] = 12
    message = parse_message(TELEMETRY, json.dumps(raw).encode(), NOW, LIMITS)
    assert isinstance(message, TelemetryMessage)
    assert message.pile is None
    assert message.extra == {"gps": {"lat": 30.1}}
    assert message.samples[0].extra == {"torque_knm": 12}


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b"", "payload is empty"),
        (b"\xc3\x28", "payload is not UTF-8"),
        (b'{"v":1,', "payload is not valid JSON: Expecting property name"),
        (b'{"v": Infinity}', "Infinity is not a valid JSON number"),
        (b'"text"', "payload must be a JSON object, got str"),
        (body(v=True), "field 'v' must be the integer 1, got True"),
        (body(rig=7), "field 'rig' must be a string, got int"),
        (body(boot=""), "field 'boot' = '' must be 1-64 printable characters"),
        (body(pile="a\nb"), "field 'pile' = 'a\\nb' must be 1-128 printable characters"),
        (body(samples=[]), "field 'samples' is empty"),
        (body(samples=None), "field 'samples' must be a list, got NoneType"),
    ],
)
def test_whole_message_refusals_say_why(payload: bytes, reason: str) -> None:
    with pytest.raises(MessageRejected) as caught:
        parse_message(TELEMETRY, payload, NOW, LIMITS)
    assert reason in caught.value.reason


def test_oversize_payload_names_size_and_limit() -> None:
    payload = body(pad="x" * 1000)
    with pytest.raises(MessageRejected, match=rf"payload is {len(payload)} bytes, more than"):
        parse_message(TELEMETRY, payload, NOW, ValidationLimits(max_payload_bytes=1024))


def test_sample_time_a_day_ahead_is_refused_but_late_samples_are_fine() -> None:
    late = {"seq": 1, "t": "2026-11-01T00:00:00Z", "depth_m": 1.0, "flow_l_min": 0.0}
    ahead = {"seq": 2, "t": "2026-11-23T09:00:01Z", "depth_m": 1.0, "flow_l_min": 0.0}
    just_ok = {"seq": 3, "t": "2026-11-23T08:59:59+00:00", "depth_m": 1.0, "flow_l_min": 0.0}
    message = parse_message(TELEMETRY, body(samples=[late, ahead, just_ok]), NOW, LIMITS)
    assert isinstance(message, TelemetryMessage)
    assert [s.seq for s in message.samples] == [1, 3]
    assert [r.index for r in message.rejected] == [1]
    assert "ahead of the server clock" in message.rejected[0].reason


def test_boundaries_of_depth_and_flow() -> None:
    edge = [
        {"seq": 1, "t": "2026-11-22T08:00:00Z", "depth_m": -1.0, "flow_l_min": 0.0},
        {"seq": 2, "t": "2026-11-22T08:00:01Z", "depth_m": 100.0, "flow_l_min": 0},
        {"seq": 3, "t": "2026-11-22T08:00:02Z", "depth_m": -1.01, "flow_l_min": 0.0},
        {"seq": 4, "t": "2026-11-22T08:00:03Z", "depth_m": 5, "flow_l_min": -0.01},
        {"seq": 5, "t": "2026-11-22T08:00:04Z", "depth_m": True, "flow_l_min": 1},
    ]
    message = parse_message(TELEMETRY, body(samples=edge), NOW, LIMITS)
    assert isinstance(message, TelemetryMessage)
    assert [s.seq for s in message.samples] == [1, 2]
    assert [r.reason for r in message.rejected] == [
        "samples[2]: depth_m = -1.01 is outside the possible range -1.0 to 100.0 m",
        "samples[3]: flow_l_min = -0.01 is negative",
        "samples[4]: depth_m must be a number, got bool True",
    ]


def parse_event(**fields: Any) -> object:
    """An event of rig R07 with the header every event carries, plus `fields`."""
    body = {"v": 1, "rig": "R07", "boot": "b", "seq": 3, "t": "2026-11-22T08:00:00Z", **fields}
    return parse_message(
        parse_topic("pilewatch/v1/K12/R07/event"), json.dumps(body).encode(), NOW, LIMITS
    )


def test_events_and_status() -> None:
    event = parse_event(type="operator", operator="张三")
    assert isinstance(event, EventMessage) and event.type == "operator" and event.pile is None
    with pytest.raises(MessageRejected, match="missing required field 'operator'"):
        parse_event(type="operator")
    with pytest.raises(MessageRejected, match="field 'type' = 'pause' is not one of"):
        parse_event(type="pause")
    status = parse_message(
        parse_topic("pilewatch/v1/K12/R07/status"),
        b'{"v":1,"online":false,"t":"2026-11-22T08:00:00Z"}',
        NOW,
        LIMITS,
    )
    assert isinstance(status, StatusMessage) and status.online is False


def test_topics() -> None:
    assert parse_topic("pilewatch/v1/K-12_a/R07/status").kind == "status"
    for bad, reason in [
        ("pilewatch/v2/S/R/telemetry", "is not pilewatch/v1"),
        ("pilewatch/v1/S/R/tele", "topic kind 'tele'"),
        ("pilewatch/v1/S/" + "R" * 65 + "/event", "in topic does not match"),
        ("pilewatch/v1/S/R/event/x", "is not pilewatch/v1"),
    ]:
        with pytest.raises(TopicError, match=reason):
            parse_topic(bad)
    assert subscription_filters("g1") == [
        ("$share/g1/pilewatch/v1/+/+/telemetry", True),
        ("$share/g1/pilewatch/v1/+/+/event", True),
        ("pilewatch/v1/+/+/status", False),
    ]


def test_rfc3339_needs_a_zone_and_keeps_microseconds() -> None:
    assert parse_rfc3339("2026-11-22T08:15:02.123456789+08:00") == datetime(
        2026,
        11,
        22,
        8,
        15,
        2,
        123456,
        tzinfo=datetime.fromisoformat("2026-01-01T00:00+08:00").tzinfo,
    )
    assert parse_rfc3339("2026-11-22t08:15:02z") - NOW == timedelta(minutes=-44, seconds=-58)
    for bad in ("2026-11-22T08:15:02", "2026-11-22", "20261122T081502Z", "yesterday"):
        with pytest.raises(ValueError, match="is not an RFC 3339 time with a zone"):
            parse_rfc3339(bad)
