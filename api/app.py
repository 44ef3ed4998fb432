"""The FastAPI application. `create_app` does no work; the pool opens in the lifespan."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import psycopg
from fastapi import FastAPI
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

from api.errors import install_error_handlers
from api.pileid import PileIdPathMiddleware
from runtime.settings import Settings, get_settings

POOL_SIZE = 10


def open_pool(database_url: str, *, max_size: int = POOL_SIZE) -> ConnectionPool[Any]:
    pool: ConnectionPool[psycopg.Connection[dict[str, Any]]] = ConnectionPool(
        database_url,
        min_size=1,
        max_size=max_size,
        kwargs={"autocommit": True, "row_factory": dict_row},
        # A connection broken by a database restart is replaced instead of handed out.
        check=ConnectionPool.check_connection,
        open=False,
        name="pilewatch-api",
    )
    # wait=False: the API starts (and health reports the database down) even when the
    # database is not reachable yet.
    pool.open(wait=False)
    return pool


def create_app(settings: Settings | None = None) -> FastAPI:
    resolved = settings if settings is not None else get_settings()
    if not resolved.database_url:
        raise ValueError("the API needs PILEWATCH_DATABASE_URL")
    database_url = resolved.database_url

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        pool = open_pool(database_url)
        app.state.pool = pool
        # Requests queue for a connection here, on the event loop (see api.deps.get_conn).
        app.state.pool_gate = asyncio.Semaphore(POOL_SIZE)
        try:
            yield
        finally:
            pool.close()

    app = FastAPI(
        title="pilewatch API",
        version="1",
        description="Live quality of cement-soil mixing piles (contract §3).",
        lifespan=lifespan,
    )
    app.state.settings = resolved
    app.add_middleware(PileIdPathMiddleware)
    install_error_handlers(app)

    # Imported here so importing api.app stays cheap and free of side effects.
    from api.routes import exports, health, meta, piles, rigs, sites, statistics

    app.include_router(health.router)
    app.include_router(meta.router)
    app.include_router(piles.router)
    app.include_router(sites.router)
    app.include_router(rigs.router)
    app.include_router(statistics.router)
    app.include_router(exports.router)
    from api.routes import ledger

    app.include_router(ledger.router)
    from api.routes import replays

    app.include_router(replays.router)
    from api.routes import alerts

    app.include_router(alerts.router)
    return app
