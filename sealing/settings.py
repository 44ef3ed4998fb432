"""Ledger settings, from ``PILEWATCH_LEDGER_*`` environment variables.

* ``PILEWATCH_LEDGER_ORIGIN`` — the log's origin line and key name.
* ``PILEWATCH_LEDGER_VKEY`` — the log's verifier key, for processes without the key file
  (the API on another machine); never read from the database.
* ``PILEWATCH_LEDGER_WITNESSES`` — comma-separated ``url=vkey`` pairs.
* ``PILEWATCH_LEDGER_WITNESS_QUORUM`` — cosignatures a checkpoint needs to count as cosigned.
* ``PILEWATCH_LEDGER_PUBLIC_URL`` — base of the public verification URL in QR codes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from ledger.cosignature import CosignatureVerifier
from ledger.keys import KeyStringError


@dataclass(frozen=True)
class WitnessConfig:
    url: str
    vkey: str

    def verifier(self) -> CosignatureVerifier:
        return CosignatureVerifier.from_key(self.vkey)


def parse_witness_spec(spec: str) -> WitnessConfig:
    """Parse ``url=vkey``; the vkey must be a valid cosignature (type 0x04) verifier key."""
    # A base64 key may end in '=', so split at the first '=' after the URL's scheme.
    scheme, colon, rest = spec.strip().partition("://")
    host, sep, vkey = rest.partition("=")
    url = f"{scheme}{colon}{host}"
    if not colon:
        sep = ""
    if not sep or not url or not vkey:
        raise ValueError(f"witness {spec!r} must look like URL=VKEY")
    try:
        CosignatureVerifier.from_key(vkey)
    except KeyStringError as exc:
        raise ValueError(f"witness {url}: {exc}") from exc
    return WitnessConfig(url.rstrip("/"), vkey)


class LedgerSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PILEWATCH_LEDGER_", extra="ignore")

    origin: str = "pilewatch.local/ledger"
    vkey: str | None = None
    witnesses: Annotated[list[WitnessConfig], NoDecode] = Field(default_factory=list)
    witness_quorum: int = Field(default=0, ge=0)
    public_url: str | None = None
    poll_interval_s: float = Field(default=1.0, gt=0)
    checkpoint_interval_s: float = Field(default=30.0, gt=0)
    batch_size: int = Field(default=200, ge=1)
    max_attempts_backoff_s: float = Field(default=300.0, gt=0)

    @field_validator("witnesses", mode="before")
    @classmethod
    def _parse_witnesses(cls, value: object) -> object:
        if isinstance(value, str):
            return [parse_witness_spec(s) for s in value.split(",") if s.strip()]
        if isinstance(value, list):
            return [parse_witness_spec(v) if isinstance(v, str) else v for v in value]
        return value


def get_ledger_settings(**overrides: object) -> LedgerSettings:
    return LedgerSettings(**overrides)  # type: ignore[arg-type]
