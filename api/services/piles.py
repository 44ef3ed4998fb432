"""Piles as the API shows them: recorded piles merged with planned piles not yet started."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

import psycopg

from api.services.errors import AmbiguousPileError, InvalidInputError, NotFoundError

Conn = psycopg.Connection[dict[str, Any]]

# One row per (site, pile): a recorded pile (planned or not), or a planned pile with no
# recording yet (status "planned"). Inlined by PostgreSQL, so filters reach both branches.
ALL_PILES = """
    SELECT p.site_id AS site, p.pile_id AS pile, p.rig_id AS rig, p.status,
           p.started_at, p.ended_at, p.samples, p.depth_reached_m,
           coalesce(pp.design_length_m, p.design_length_m) AS design_length_m,
           p.cement_total_kg, p.cv, p.cu, p.du_lq, p.min_ratio, p.verdict, p.reasons,
           pp.pile_id IS NULL AS unplanned, p.score, p.grade,
           pp.design_cement_kg_m
    FROM piles p LEFT JOIN planned_piles pp USING (site_id, pile_id)
    UNION ALL
    SELECT pp.site_id, pp.pile_id, NULL, 'planned', NULL, NULL, 0, NULL, pp.design_length_m,
           NULL, NULL, NULL, NULL, NULL, NULL, '[]'::jsonb, false, NULL, NULL,
           pp.design_cement_kg_m
    FROM planned_piles pp
    WHERE NOT EXISTS (
        SELECT 1 FROM piles p WHERE p.site_id = pp.site_id AND p.pile_id = pp.pile_id)
"""

SUMMARY_FIELDS = (
    "pile",
    "site",
    "rig",
    "status",
    "started_at",
    "ended_at",
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
    "unplanned",
    "score",
    "grade",
    "design_cement_kg_m",
)


def _summary(row: dict[str, Any]) -> dict[str, Any]:
    out = {name: row[name] for name in SUMMARY_FIELDS}
    reasons = out["reasons"]
    out["reasons"] = [str(r) for r in reasons] if isinstance(reasons, list) else []
    return out


def encode_cursor(site: str, pile: str) -> str:
    raw = json.dumps([site, pile], ensure_ascii=False).encode("utf-8")
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode_cursor(cursor: str) -> tuple[str, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        value = json.loads(raw.decode("utf-8"))
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InvalidInputError("cursor is not one this API returned") from None
    if not (isinstance(value, list) and len(value) == 2 and all(isinstance(v, str) for v in value)):
        raise InvalidInputError("cursor is not one this API returned")
    return value[0], value[1]


def list_piles(
    conn: Conn,
    *,
    site: str | None = None,
    status: str | None = None,
    limit: int = 100,
    cursor: str | None = None,
) -> tuple[list[dict[str, Any]], str | None]:
    """A page ordered by (site, pile) and the cursor of the next page (None at the end).

    Keyset pagination: a page never repeats or skips a pile when piles are added meanwhile.
    Byte order ("C" collation) keeps the order the same as the cursor comparison.
    """
    where: list[str] = []
    params: list[Any] = []
    if site is not None:
        where.append("site = %s")
        params.append(site)
    if status is not None:
        where.append("status = %s")
        params.append(status)
    if cursor is not None:
        after_site, after_pile = decode_cursor(cursor)
        where.append('(site COLLATE "C", pile COLLATE "C") > (%s, %s)')
        params += [after_site, after_pile]
    sql = f"SELECT * FROM ({ALL_PILES}) AS a"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += ' ORDER BY site COLLATE "C", pile COLLATE "C" LIMIT %s'
    params.append(limit + 1)
    rows = conn.execute(sql.encode(), params).fetchall()
    items = [_summary(r) for r in rows[:limit]]
    after = encode_cursor(items[-1]["site"], items[-1]["pile"]) if len(rows) > limit else None
    return items, after


def resolve_site(conn: Conn, pile: str, site: str | None) -> str:
    """The site of a pile id; 404 when unknown, 409 (naming the sites) when ambiguous."""
    if site is not None:
        row = conn.execute(
            "SELECT 1 AS ok FROM piles WHERE site_id = %s AND pile_id = %s"
            " UNION ALL SELECT 1 FROM planned_piles WHERE site_id = %s AND pile_id = %s LIMIT 1",
            (site, pile, site, pile),
        ).fetchone()
        if row is None:
            raise NotFoundError(f"pile {pile!r} not found on site {site!r}")
        return site
    rows = conn.execute(
        "SELECT site_id FROM piles WHERE pile_id = %s"
        " UNION SELECT site_id FROM planned_piles WHERE pile_id = %s ORDER BY 1",
        (pile, pile),
    ).fetchall()
    if not rows:
        raise NotFoundError(f"pile {pile!r} not found")
    if len(rows) > 1:
        raise AmbiguousPileError(pile, [str(r["site_id"]) for r in rows])
    return str(rows[0]["site_id"])


def get_summary(conn: Conn, pile: str, site: str | None) -> dict[str, Any]:
    found = resolve_site(conn, pile, site)
    row = conn.execute(
        f"SELECT * FROM ({ALL_PILES}) AS a WHERE site = %s AND pile = %s".encode(),
        (found, pile),
    ).fetchone()
    if row is None:  # deleted between the two statements
        raise NotFoundError(f"pile {pile!r} not found")
    return _summary(row)


DEFAULT_BIN_M = 0.5


def get_profile(conn: Conn, pile: str, site: str | None) -> dict[str, Any]:
    """`{"bin_m", "bins"}` with bins from the top; a planned pile has no bins yet."""
    found = resolve_site(conn, pile, site)
    row = conn.execute(
        "SELECT bin_m, profile FROM piles WHERE site_id = %s AND pile_id = %s", (found, pile)
    ).fetchone()
    if row is None:
        return {"bin_m": DEFAULT_BIN_M, "bins": []}
    stored = row["profile"]
    # The evaluator stores the list of bins; accept the whole profile object too.
    bins = stored.get("bins", []) if isinstance(stored, dict) else stored
    bins = [b for b in bins if isinstance(b, dict) and "top_m" in b and "bottom_m" in b]
    bins.sort(key=lambda b: float(b["top_m"]))
    return {"bin_m": float(row["bin_m"]), "bins": bins}


TELEMETRY_COLUMNS = (
    "depth_m",
    "flow_l_min",
    "rpm",
    "pressure_mpa",
    "density_kg_l",
    "wc",
    "current_a",
    "tilt_x_deg",
    "tilt_y_deg",
)


def get_telemetry(conn: Conn, pile: str, site: str | None, max_points: int) -> dict[str, Any]:
    """The pile's samples in time order, averaged into at most `max_points` buckets of
    consecutive samples (each point: the first time of its bucket, mean of each channel)."""
    found = resolve_site(conn, pile, site)
    means = ", ".join(f"avg({c}) AS {c}" for c in TELEMETRY_COLUMNS)
    rows = conn.execute(
        f"""
        WITH s AS (
            SELECT t, {", ".join(TELEMETRY_COLUMNS)},
                   ntile(%s) OVER (ORDER BY t, rig_id, boot, seq) AS bucket
            FROM telemetry WHERE site_id = %s AND pile_id = %s
        )
        SELECT min(t) AS t, {means}, count(*) AS n FROM s GROUP BY bucket ORDER BY bucket
        """.encode(),
        (max_points, found, pile),
    ).fetchall()
    total = sum(int(r.pop("n")) for r in rows)
    return {"pile": pile, "site": found, "points": rows, "downsampled_from": total}
