from __future__ import annotations

import json

import pytest

from runtime.settings import Settings
from tests.builders import Publisher, sample, series_messages, telemetry, telemetry_topic
from tests.conftest import BrokerInfo
from tests.ingest.harness import running_ingester, scalar, wait_for_rows, wait_until


@pytest.mark.parametrize("per_message", [1, 10])
def test_n_samples_published_give_n_rows(
    settings: Settings, broker: BrokerInfo, per_message: int
) -> None:
    publisher = Publisher(broker.url, broker.protocol)
    messages = series_messages("SB4", "R01", 500, per_message)
    with running_ingester(settings):
        publisher.publish_all(messages)
        assert settings.database_url
        assert wait_for_rows(settings.database_url, 500) == 500
    publisher.close()
    assert settings.database_url
    distinct = scalar(
        settings.database_url, "SELECT count(DISTINCT (rig_id, boot, seq)) FROM telemetry"
    )
    assert distinct == 500


def test_same_messages_twice_are_stored_once(settings: Settings, broker: BrokerInfo) -> None:
    assert settings.database_url
    publisher = Publisher(broker.url, broker.protocol)
    messages = series_messages("SB4", "R02", 200, 10)
    with running_ingester(settings):
        publisher.publish_all(messages)
        publisher.publish_all(messages)
        wait_until(
            lambda: (
                scalar(
                    str(settings.database_url),
                    "SELECT value FROM ingest_counters WHERE counter = 'samples_duplicate'",
                )
                == 200
            ),
            what="200 duplicates counted",
        )
    publisher.close()
    assert scalar(settings.database_url, "SELECT count(*) FROM telemetry") == 200


def test_unknown_fields_are_kept(settings: Settings, broker: BrokerInfo) -> None:
    assert settings.database_url
    body = telemetry("R03", [sample(1, vendor_torque_knm=12.5)])
    body["firmware"] = "4.2"
    publisher = Publisher(broker.url, broker.protocol)
    with running_ingester(settings):
        publisher.publish_all([(telemetry_topic("SB4", "R03"), json.dumps(body).encode())])
        wait_for_rows(settings.database_url, 1)
    publisher.close()
    import psycopg

    with psycopg.connect(settings.database_url) as conn:
        row = conn.execute("SELECT extra FROM telemetry").fetchone()
    assert row is not None
    assert row[0] == {"vendor_torque_knm": 12.5, "_message": {"firmware": "4.2"}}


def test_events_and_retained_status_are_stored(settings: Settings, broker: BrokerInfo) -> None:
    assert settings.database_url
    event = {
        "v": 1,
        "rig": "R04",
        "boot": "b1",
        "seq": 7,
        "t": "2026-11-22T08:00:00.000Z",
        "type": "pile_start",
        "pile": "P-9",
        "x": 10.5,
        "y": 3.25,
    }
    status = {"v": 1, "online": True, "t": "2026-11-22T08:00:00Z"}
    publisher = Publisher(broker.url, broker.protocol)
    # The status is retained before the ingester exists: it must still arrive.
    publisher.publish_all(
        [("pilewatch/v1/SB4/R04/status", json.dumps(status).encode())], retain=True
    )
    with running_ingester(settings):
        publisher.publish_all([("pilewatch/v1/SB4/R04/event", json.dumps(event).encode())])
        publisher.publish_all([("pilewatch/v1/SB4/R04/event", json.dumps(event).encode())])
        wait_until(
            lambda: (
                # Other tests' retained statuses on the same broker arrive too: count this rig's.
                scalar(
                    str(settings.database_url),
                    "SELECT count(*) FROM rig_status WHERE rig_id = 'R04' AND site_id = 'SB4'",
                )
                == 1
                and scalar(str(settings.database_url), "SELECT count(*) FROM rig_events") == 1
            ),
            what="status and event stored",
        )
    publisher.publish_all([("pilewatch/v1/SB4/R04/status", b"")], retain=True)
    publisher.close()
    assert scalar(settings.database_url, "SELECT count(*) FROM rig_events") == 1
    assert (
        scalar(
            settings.database_url, "SELECT count(*) FROM rig_status WHERE online AND rig_id='R04'"
        )
        == 1
    )
