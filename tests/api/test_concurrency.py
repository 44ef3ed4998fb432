"""Many more concurrent requests than pooled connections (and than worker threads) must all
be answered: requests queue for a connection on the event loop, never on a worker thread."""

from __future__ import annotations

import asyncio
import time

import httpx

from tests.api.conftest import bearer


def test_sixty_concurrent_requests_are_all_answered(server: str, tokens: dict[str, str]) -> None:
    async def burst() -> list[int]:
        async with httpx.AsyncClient(base_url=server, timeout=30) as client:
            requests = [
                client.get("/api/v1/piles", headers=bearer(tokens["engineer"])) for _ in range(60)
            ]
            return [r.status_code for r in await asyncio.gather(*requests)]

    started = time.monotonic()
    codes = asyncio.run(burst())
    elapsed = time.monotonic() - started
    assert codes == [200] * 60
    # A starved pool would answer 503 only after its 10 s timeout.
    assert elapsed < 8, f"60 requests took {elapsed:.1f} s"
