"""Witness configuration: ``url=vkey`` pairs, as in ``PILEWATCH_LEDGER_WITNESSES``.

Pure: parsing and the verifier; the setting itself is ``Settings.ledger_witnesses`` in
:mod:`runtime.settings`.
"""

from __future__ import annotations

from dataclasses import dataclass

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


def parse_witness_list(value: object) -> object:
    """``"url=vkey,url=vkey"`` (or a list of specs) to a list of :class:`WitnessConfig`."""
    if isinstance(value, str):
        return [parse_witness_spec(s) for s in value.split(",") if s.strip()]
    if isinstance(value, list):
        return [parse_witness_spec(v) if isinstance(v, str) else v for v in value]
    return value
