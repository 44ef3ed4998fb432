"""The one settings class. Built by `get_settings()` when a command starts, never at import."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from sealing.witnesses import WitnessConfig, parse_witness_list


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

    # The ledger (docs/ledger.md). ORIGIN is the log's origin line and key name; VKEY is the
    # log's verifier key for processes without the key file (never read from the database);
    # WITNESSES is comma-separated `url=vkey` pairs; QUORUM is the cosignatures a checkpoint
    # needs to count as cosigned; PUBLIC_URL is the base of the verification URL in QR codes.
    ledger_origin: str = "pilewatch.local/ledger"
    ledger_vkey: str | None = None
    ledger_witnesses: Annotated[list[WitnessConfig], NoDecode] = Field(default_factory=list)
    ledger_witness_quorum: int = Field(default=0, ge=0)
    ledger_public_url: str | None = None
    ledger_poll_interval_s: float = Field(default=1.0, gt=0)
    ledger_checkpoint_interval_s: float = Field(default=30.0, gt=0)
    ledger_batch_size: int = Field(default=200, ge=1)
    ledger_max_attempts_backoff_s: float = Field(default=300.0, gt=0)

    @field_validator("mqtt_url")
    @classmethod
    def _mqtt_url_shape(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme not in {"mqtt", "tcp"} or not parts.hostname:
            raise ValueError(f"mqtt_url {value!r} must look like mqtt://host:port")
        return value

    @field_validator("ledger_witnesses", mode="before")
    @classmethod
    def _parse_witnesses(cls, value: object) -> object:
        return parse_witness_list(value)


def get_settings(**overrides: object) -> Settings:
    return Settings(**overrides)  # type: ignore[arg-type]


def mqtt_host_port(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    if parts.hostname is None:
        raise ValueError(f"mqtt url {url!r} has no host")
    return parts.hostname, parts.port or 1883
