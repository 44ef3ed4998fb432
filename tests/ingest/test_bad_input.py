"""Every class of bad input is kept as a rejected message with a precise reason, and the good
samples of the same batch are stored."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from runtime.settings import Settings
from tests.builders import Publisher, iso, sample, telemetry, telemetry_topic
from tests.conftest import BrokerInfo
from tests.ingest.harness import running_ingester, scalar, wait_until

TOPIC = telemetry_topic("S1", "R10")


def body(sample_list: list[dict[str, object]], **fields: object) -> bytes:
    message = telemetry("R10", sample_list)
    message.update(fields)
    return json.dumps(message).encode()


WHOLE_MESSAGE_CASES: list[tuple[str, str, bytes, str]] = [
    ("malformed json", TOPIC, b'{"v": 1, "rig": "R10", ', "payload is not valid JSON"),
    ("not utf-8", TOPIC, b"\xff\xfe{}", "payload is not UTF-8"),
    ("not an object", TOPIC, b"[1, 2]", "payload must be a JSON object, got list"),
    (
        "NaN literal",
        TOPIC,
        b'{"v":1,"rig":"R10","boot":"b1","samples":[{"seq":1,"t":"2026-11-22T08:00:00Z",'
        b'"depth_m":NaN,"flow_l_min":1}]}',
        "NaN is not a valid JSON number",
    ),
    ("missing v", TOPIC, json.dumps({"rig": "R10"}).encode(), "missing required field 'v'"),
    ("wrong version", TOPIC, body([sample(1)], v=2), "field 'v' must be the integer 1, got 2"),
    (
        "rig disagrees with topic",
        TOPIC,
        body([sample(1)], rig="R99"),
        "field 'rig' is 'R99' but the topic names rig 'R10'",
    ),
    ("missing boot", TOPIC, body([sample(1)], boot=None), "missing required field 'boot'"),
    ("samples not a list", TOPIC, body([], samples={"seq": 1}), "field 'samples' must be a list"),
    ("oversize", TOPIC, body([sample(1)], pad="x" * 300_000), "more than the limit of 262144"),
    (
        "bad topic",
        "pilewatch/v1/S1/R 10/telemetry",
        body([sample(1)]),
        "rig 'R 10' in topic does not match",
    ),
]


@pytest.mark.parametrize(
    ("topic", "payload", "reason"),
    [case[1:] for case in WHOLE_MESSAGE_CASES],
    ids=[case[0] for case in WHOLE_MESSAGE_CASES],
)
def test_bad_message_is_rejected_with_reason(
    settings: Settings, broker: BrokerInfo, topic: str, payload: bytes, reason: str
) -> None:
    url = str(settings.database_url)
    publisher = Publisher(broker.url, broker.protocol)
    good = (TOPIC, json.dumps(telemetry("R10", [sample(1)])).encode())
    with running_ingester(settings):
        publisher.publish_all([(topic, payload), good])
        wait_until(
            lambda: (
                scalar(url, "SELECT count(*) FROM rejected_messages") == 1
                and scalar(url, "SELECT count(*) FROM telemetry") == 1
            ),
            what="one rejection and the good message stored",
        )
    publisher.close()
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT topic, reason, payload FROM rejected_messages").fetchone()
    assert row is not None
    assert row[0] == topic
    assert reason in row[1]
    assert bytes(row[2]) == payload
    assert scalar(url, "SELECT value FROM ingest_counters WHERE counter='messages_rejected'") == 1


def test_bad_samples_rejected_and_good_samples_of_the_batch_stored(
    settings: Settings, broker: BrokerInfo
) -> None:
    url = str(settings.database_url)
    future = iso(datetime.now(UTC) + timedelta(days=2))
    bad_samples: list[tuple[dict[str, object], str]] = [
        (
            {"seq": 2, "t": "2026-11-22T08:00:02Z", "depth_m": 1.0},
            "missing required field 'flow_l_min'",
        ),
        (sample(3, depth_m="deep"), "depth_m must be a number, got str"),
        (sample(4, depth_m=-1.5), "depth_m = -1.5 is outside the possible range"),
        (sample(5, depth_m=100.5), "depth_m = 100.5 is outside the possible range"),
        (sample(6, flow_l_min=-3.0), "flow_l_min = -3.0 is negative"),
        (sample(7, t=future), "ahead of the server clock"),
        (sample(8, t="2026-11-22 08:00"), "is not an RFC 3339 time with a zone"),
        ({**sample(9), "seq": -1}, "seq must be a non-negative integer"),
    ]
    good = [sample(1), sample(11), sample(12)]
    samples = [good[0], *(s for s, _ in bad_samples), *good[1:]]
    publisher = Publisher(broker.url, broker.protocol)
    with running_ingester(settings):
        publisher.publish_all([(TOPIC, json.dumps(telemetry("R10", samples)).encode())])
        wait_until(
            lambda: (
                scalar(url, "SELECT count(*) FROM telemetry") == 3
                and scalar(url, "SELECT count(*) FROM rejected_messages") == len(bad_samples)
            ),
            what="3 good samples and the bad ones rejected",
        )
    publisher.close()
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT sample_index, reason FROM rejected_messages ORDER BY sample_index"
        ).fetchall()
    for (index, reason), (_bad, expected) in zip(rows, bad_samples, strict=True):
        assert f"samples[{index}]" in reason
        assert expected in reason, reason
    assert scalar(url, "SELECT value FROM ingest_counters WHERE counter='samples_rejected'") == 8


def test_conflicting_sample_identity_is_rejected_not_stored(
    settings: Settings, broker: BrokerInfo
) -> None:
    url = str(settings.database_url)
    first = json.dumps(telemetry("R10", [sample(1)])).encode()
    moved = json.dumps(telemetry("R10", [sample(1, t="2026-11-22T09:00:00.000Z")])).encode()
    publisher = Publisher(broker.url, broker.protocol)
    with running_ingester(settings):
        publisher.publish_all([(TOPIC, first)])
        wait_until(lambda: scalar(url, "SELECT count(*) FROM telemetry") == 1, what="first")
        publisher.publish_all([(TOPIC, moved)])
        wait_until(
            lambda: scalar(url, "SELECT count(*) FROM rejected_messages") == 1, what="conflict"
        )
    publisher.close()
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT reason FROM rejected_messages").fetchone()
    assert row is not None and "has t=2026-11-22T09:00:00+00:00" in row[0]
    assert scalar(url, "SELECT count(*) FROM telemetry") == 1


def test_bad_event_and_status_are_rejected(settings: Settings, broker: BrokerInfo) -> None:
    url = str(settings.database_url)
    publisher = Publisher(broker.url, broker.protocol)
    bad_event = {
        "v": 1,
        "rig": "R10",
        "boot": "b",
        "seq": 1,
        "t": "2026-11-22T08:00:00Z",
        "type": "pile_start",
    }
    with running_ingester(settings):
        publisher.publish_all(
            [
                ("pilewatch/v1/S1/R10/event", json.dumps(bad_event).encode()),
                ("pilewatch/v1/S1/R10/status", json.dumps({"v": 1, "online": "yes"}).encode()),
            ]
        )
        wait_until(
            lambda: scalar(url, "SELECT count(*) FROM rejected_messages") == 2, what="2 rejected"
        )
    publisher.close()
    with psycopg.connect(url) as conn:
        reasons = sorted(r[0] for r in conn.execute("SELECT reason FROM rejected_messages"))
    assert reasons == [
        "field 'online' must be true or false, got 'yes'",
        "missing required field 'pile'",
    ]


def test_value_the_database_refuses_rejects_only_that_message(
    settings: Settings, broker: BrokerInfo
) -> None:
    """PostgreSQL's jsonb cannot hold U+0000: the message carrying it is rejected with the
    database's reason; the other messages of the same batch are stored."""
    url = str(settings.database_url)
    poisoned = telemetry("R10", [sample(1, vendor_note="a\u0000b")])
    good = telemetry("R10", [sample(2), sample(3)])
    publisher = Publisher(broker.url, broker.protocol)
    with running_ingester(settings):
        publisher.publish_all(
            [(TOPIC, json.dumps(poisoned).encode()), (TOPIC, json.dumps(good).encode())]
        )
        wait_until(
            lambda: (
                scalar(url, "SELECT count(*) FROM rejected_messages") == 1
                and scalar(url, "SELECT count(*) FROM telemetry") == 2
            ),
            what="the poisoned message rejected, the good one stored",
        )
    publisher.close()
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT reason FROM rejected_messages").fetchone()
    assert row is not None and row[0].startswith("the database refused it: ")
    assert "\\u0000" in row[0] or "0x00" in row[0] or "unsupported Unicode" in row[0], row[0]
