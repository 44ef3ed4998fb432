"""The sealed record of a pile, built from the database, as canonical bytes.

A record holds the plan row, the summary with verdict and reasons, the per-bin profile, the
analytics findings, the pile's alerts with their final states, the SHA-256 of its raw
samples, and the analytics version and rules digest. Quantities are integers in fixed units
(key suffix names the unit: ``_mm``, ``_g``, ``_g_m``, ``_ml_m``, ``_ms``, ``_ppm``…; see
:data:`UNIT_RULES`), text is NFC, and the bytes are RFC 8785 canonical JSON
(:func:`ledger.canonical.canonical_record_bytes`).

Samples digest (``samples.sha256``): SHA-256 over, for every telemetry row of (site, pile)
ordered by ``rig_id, boot, seq``, the RFC 8785 canonical JSON of
``{"rig", "boot", "seq", "t_us", "depth_m", "flow_l_min", "rpm", "density_kg_l", "wc",
"pressure_mpa", "current_a", "tilt_x_deg", "tilt_y_deg", "extra"}`` (``t_us``: microseconds
since 1970-01-01T00:00:00Z; numbers are the stored doubles, written as RFC 8785 / ECMAScript
shortest round-trip; null where absent) followed by one ``0x0A`` byte. No rows: SHA-256("").
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Final

import psycopg
import rfc8785

from ledger.canonical import JSONValue, canonical_record_bytes, to_fixed

RECORD_TYPE: Final = "pilewatch.pile-record"
RECORD_VERSION: Final = 1
EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)

Conn = psycopg.Connection[dict[str, Any]]

#: (key suffix, replacement suffix, decimal scale), longest suffix first.
UNIT_RULES: Final[tuple[tuple[str, str, int], ...]] = (
    ("_kg_m", "_g_m", 3),
    ("_kg_l", "_g_l", 3),
    ("_l_min", "_ml_min", 3),
    ("_m_min", "_mm_min", 3),
    ("_per_m", "_per_km", 3),
    ("_l_m", "_ml_m", 3),
    ("_mpa", "_kpa", 3),
    ("_deg", "_mdeg", 3),
    ("_kg", "_g", 3),
    ("_m", "_mm", 3),
    ("_l", "_ml", 3),
    ("_a", "_ma", 3),
    ("_s", "_ms", 3),
)
#: Dimensionless ratios, stored in parts per million.
RATIO_KEYS: Final = frozenset(
    {"cv", "cu", "du_lq", "min_ratio", "wc", "share_at_design", "score", "ratio"}
)
#: Keys that hold counts (integers without unit).
COUNT_KEYS: Final = frozenset({"samples", "blades", "revision", "id", "count", "passes"})


class RecordError(ValueError):
    """The pile cannot be sealed (missing row, value not representable)."""


def epoch_ms(moment: datetime | None) -> int | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    delta = moment - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1000 + delta.microseconds // 1000


def _epoch_us(moment: datetime) -> int:
    delta = moment - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def fixed_key(key: str) -> tuple[str, int | None]:
    """Return the fixed-unit key and the scale for a quantity named ``key``."""
    if key in RATIO_KEYS:
        return f"{key}_ppm", 6
    for suffix, replacement, scale in UNIT_RULES:
        if key.endswith(suffix):
            return key[: -len(suffix)] + replacement, scale
    return key, None


def to_fixed_units(obj: Any) -> JSONValue:
    """Recursively convert quantities to integers in fixed units (see :data:`UNIT_RULES`).

    Keys with a unit suffix are renamed and scaled; other floats become ``<key>_milli``
    (×1000); datetimes become ``<key>_ms`` (milliseconds since the epoch).
    """
    if isinstance(obj, Mapping):
        out: dict[str, JSONValue] = {}
        for key, value in obj.items():
            k = str(key)
            if isinstance(value, datetime):
                out[f"{k}_ms"] = epoch_ms(value)
                continue
            if isinstance(value, Mapping | list | tuple | str | bool):
                out[k] = to_fixed_units(value)
                continue
            new_key, scale = fixed_key(k)
            if value is None:
                out[new_key] = None
            elif isinstance(value, int) and (scale is None or k in COUNT_KEYS):
                out[k] = value
            elif isinstance(value, int | float | Decimal):
                if scale is None:
                    new_key, scale = f"{k}_milli", 3
                out[new_key] = to_fixed(value, scale)
            else:
                out[k] = to_fixed_units(value)
        return out
    if isinstance(obj, list | tuple):
        return [to_fixed_units(v) for v in obj]
    if isinstance(obj, float | Decimal):
        return to_fixed(obj, 3)
    if isinstance(obj, datetime):
        return epoch_ms(obj)
    if obj is None or isinstance(obj, bool | int | str):
        return obj
    raise RecordError(f"cannot put {type(obj).__name__} into a record")


_SAMPLE_QUERY: Final = (
    "SELECT rig_id, boot, seq, t, depth_m, flow_l_min, rpm, density_kg_l, wc, pressure_mpa,"
    " current_a, tilt_x_deg, tilt_y_deg, extra FROM telemetry"
    " WHERE site_id = %s AND pile_id = %s ORDER BY rig_id, boot, seq"
)


def sample_line(row: Mapping[str, Any]) -> bytes:
    """The canonical bytes of one telemetry row in the samples digest (newline included)."""
    extra = row["extra"]
    if isinstance(extra, str | bytes):
        extra = json.loads(extra)
    body = {
        "rig": row["rig_id"],
        "boot": row["boot"],
        "seq": row["seq"],
        "t_us": _epoch_us(row["t"]),
        "depth_m": row["depth_m"],
        "flow_l_min": row["flow_l_min"],
        "rpm": row["rpm"],
        "density_kg_l": row["density_kg_l"],
        "wc": row["wc"],
        "pressure_mpa": row["pressure_mpa"],
        "current_a": row["current_a"],
        "tilt_x_deg": row["tilt_x_deg"],
        "tilt_y_deg": row["tilt_y_deg"],
        "extra": extra,
    }
    return rfc8785.dumps(body) + b"\n"


def samples_digest(conn: Conn, site: str, pile: str) -> tuple[str, int]:
    """Return (hex SHA-256 of the pile's raw samples in canonical order, row count)."""
    digest = hashlib.sha256()
    count = 0
    with conn.cursor() as cur:
        for row in cur.stream(_SAMPLE_QUERY, (site, pile)):
            try:
                digest.update(sample_line(row))
            except (rfc8785.CanonicalizationError, ValueError) as exc:
                raise RecordError(
                    f"sample {row['rig_id']}/{row['boot']}/{row['seq']}: {exc}"
                ) from None
            count += 1
    return digest.hexdigest(), count


def _plan(conn: Conn, site: str, pile: str) -> dict[str, Any] | None:
    row = conn.execute(
        "SELECT design_length_m, diameter_m, design_cement_kg_m, wc, density_kg_l, blades,"
        " process FROM planned_piles WHERE site_id = %s AND pile_id = %s",
        (site, pile),
    ).fetchone()
    return dict(row) if row is not None else None


_ALERT_COLUMNS: Final = (
    "id, rig_id, rule, severity, state, depth_top_m, depth_bottom_m, value, limit_value,"
    " message, raised_at, acknowledged_by, acknowledged_at, resolved_by, resolved_at, comment"
)


def _alerts(conn: Conn, site: str, pile: str) -> list[dict[str, Any]]:
    row = conn.execute("SELECT to_regclass('alerts') IS NOT NULL AS present").fetchone()
    if row is None or not row["present"]:
        return []
    rows = conn.execute(
        f"SELECT {_ALERT_COLUMNS} FROM alerts WHERE site_id = %s AND pile_id = %s"
        " ORDER BY raised_at, id",
        (site, pile),
    ).fetchall()
    out = []
    for r in rows:
        alert = dict(r)
        alert["rig"] = alert.pop("rig_id")
        alert["limit"] = alert.pop("limit_value")
        if not isinstance(alert["id"], int):
            alert["id"] = str(alert["id"])
        out.append(alert)
    return out


_SUMMARY_COLUMNS: Final = (
    "samples",
    "depth_reached_m",
    "design_length_m",
    "cement_total_kg",
    "cv",
    "cu",
    "du_lq",
    "min_ratio",
    "verdict",
    "reasons",
    "score",
    "grade",
    "unplanned",
)


def build_record(
    conn: Conn,
    pile_row: Mapping[str, Any],
    *,
    sealed_at: datetime,
    supersedes: tuple[int, bytes] | None = None,
    corrected_by: str | None = None,
    reason: str | None = None,
) -> dict[str, Any]:
    """Return the record (before fixed-unit conversion of nothing: ready to canonicalise)."""
    site, pile = str(pile_row["site_id"]), str(pile_row["pile_id"])
    digest, count = samples_digest(conn, site, pile)
    raw_summary = pile_row.get("summary") or {}
    summary: dict[str, Any] = dict(raw_summary) if isinstance(raw_summary, Mapping) else {}
    summary.pop("analytics_version", None)
    for column in _SUMMARY_COLUMNS:
        summary[column] = pile_row.get(column)
    profile = pile_row.get("profile") or []
    bins = profile.get("bins", []) if isinstance(profile, Mapping) else profile
    record: dict[str, Any] = {
        "type": RECORD_TYPE,
        "v": RECORD_VERSION,
        "kind": "correction" if supersedes is not None else "seal",
        "site": site,
        "pile": pile,
        "rig": pile_row.get("rig_id"),
        "revision": int(pile_row["revision"]),
        "status": pile_row["status"],
        "started_at_ms": epoch_ms(pile_row.get("started_at")),
        "ended_at_ms": epoch_ms(pile_row.get("ended_at")),
        "evaluated_at_ms": epoch_ms(pile_row.get("evaluated_at")),
        "sealed_at_ms": epoch_ms(sealed_at),
        "plan": to_fixed_units(_plan(conn, site, pile)),
        "summary": to_fixed_units(summary),
        "profile": {
            "bin_mm": to_fixed(pile_row.get("bin_m") or 0.5, 3),
            "bins": to_fixed_units(list(bins)),
        },
        "findings": to_fixed_units(list(pile_row.get("findings") or [])),
        "alerts": to_fixed_units(_alerts(conn, site, pile)),
        "samples": {"count": count, "sha256": digest},
        "analytics_version": pile_row.get("analytics_version"),
        "rules_digest": pile_row.get("rules_digest"),
        "supersedes": None,
        "correction": None,
    }
    if supersedes is not None:
        record["supersedes"] = {"leaf_index": supersedes[0], "leaf_hash": supersedes[1].hex()}
        record["correction"] = {"by": corrected_by or "unknown", "reason": reason or ""}
    return record


def record_bytes(record: Mapping[str, Any]) -> bytes:
    """RFC 8785 canonical bytes of a record (NFC text, integers only)."""
    return canonical_record_bytes(dict(record))


def parse_entry(entry: bytes | str) -> dict[str, Any]:
    """Parse an entry and check it is canonical (re-encoding gives the same bytes)."""
    raw = entry.encode("utf-8") if isinstance(entry, str) else bytes(entry)
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RecordError(f"entry is not UTF-8 JSON: {exc}") from None
    if not isinstance(data, dict):
        raise RecordError("entry is not a JSON object")
    try:
        again = canonical_record_bytes(data)
    except ValueError as exc:
        raise RecordError(f"entry is not a canonical record: {exc}") from None
    if again != raw:
        raise RecordError("entry bytes are not RFC 8785 canonical")
    return data
