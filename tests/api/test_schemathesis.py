"""The API against its own OpenAPI document: no 5xx, responses as documented.

Bounded (few examples per operation) so the API tests stay well under two minutes. Only
this API's routes; the alerts and ledger routers have their own tests.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings

from api.app import create_app
from api.auth import create_token
from runtime.settings import get_settings
from tests.api import builders as b

OURS = r"^/api/v1/(health|me|piles.*|sites.*|rigs.*|exports/.*)$"


@pytest.fixture
def api_schema(database_url: str) -> Iterator[Any]:
    with b.open_db(database_url) as conn:
        b.planned(conn, "S1", "P-1")
        b.pile(conn, "S1", "P-1")
        b.samples(conn, "S1", "R1", "P-1", 20)
        b.rig(conn, "S1", "R1")
        secret = create_token(conn, "schemathesis", "admin")[1]
    app = create_app(get_settings(database_url=database_url, mqtt_url=None))
    with TestClient(app):  # runs the lifespan: the pool the requests use
        schema = schemathesis.openapi.from_asgi("/openapi.json", app)
        schema.config.headers = {"Authorization": f"Bearer {secret}"}
        yield schema.include(path_regex=OURS)


def test_api_matches_its_openapi(api_schema: Any) -> None:
    # Hypothesis driven by hand: schemathesis' pytest plugin does not load with this pytest.
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 17
    failures: list[str] = []
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=6,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        def run(case: Any) -> None:
            # Values valid by type but not by meaning (a made-up cursor, a `to` before
            # `from`) are rightly 422; every other check stays on.
            case.call_and_validate(excluded_checks=[schemathesis.checks.positive_data_acceptance])

        try:
            run()
        except Exception as exc:
            failures.append(f"{operation.method.upper()} {operation.path}: {exc}"[:2000])
    assert not failures, "\n\n".join(failures)
