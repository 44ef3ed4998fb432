"""The one settings class. Built by `get_settings()` when a command starts, never at import."""

from __future__ import annotations

from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PILEWATCH_", extra="ignore")

    # Unset means: `pilewatch up` starts an embedded PostgreSQL / a broker for the run.
    database_url: str | None = None
    mqtt_url: str | None = None
    mqtt_username: str | None = None
    mqtt_password: str | None = None
    mqtt_protocol: Literal["5", "3.1.1"] = "5"

    api_url: str = "http://127.0.0.1:8000"
    api_token: str | None = None

    state_dir: Path = Path(".pilewatch")

    # TimescaleDB is used when it is installed and preloaded ("auto"), never ("off"), or
    # start-up fails without it ("require").
    timescaledb: Literal["auto", "off", "require"] = "auto"
    telemetry_chunk_days: int = Field(default=1, ge=1, le=365)
    telemetry_compress_after_days: int = Field(default=7, ge=0)
    # 0 keeps raw telemetry forever; sealed records only keep its digest.
    telemetry_retention_days: int = Field(default=0, ge=0)

    ingest_client_id: str = "pilewatch-ingest"
    ingest_shared_group: str | None = None
    ingest_session_expiry_s: int = Field(default=7 * 24 * 3600, ge=0)
    ingest_batch_messages: int = Field(default=2000, ge=1)
    ingest_flush_ms: int = Field(default=50, ge=1)
    # Also the MQTT receive-maximum: the broker never has more unacknowledged messages in
    # flight to us than the queue holds, so the network thread never blocks on a full queue.
    ingest_queue_messages: int = Field(default=5000, ge=10, le=65535)
    ingest_max_payload_bytes: int = Field(default=256 * 1024, ge=1024)
    ingest_future_tolerance_s: int = Field(default=24 * 3600, ge=0)

    @field_validator("mqtt_url")
    @classmethod
    def _mqtt_url_shape(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme not in {"mqtt", "tcp"} or not parts.hostname:
            raise ValueError(f"mqtt_url {value!r} must look like mqtt://host:port")
        return value


def get_settings(**overrides: object) -> Settings:
    return Settings(**overrides)  # type: ignore[arg-type]


def mqtt_host_port(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    if parts.hostname is None:
        raise ValueError(f"mqtt url {url!r} has no host")
    return parts.hostname, parts.port or 1883
