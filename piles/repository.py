"""Reading a recorded pile: its samples as a PileSeries, its plan row, its events."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import psycopg

from analytics.series import OPTIONAL_CHANNELS, PileSeries
from siteplan.csv_format import PlannedPile

Conn = psycopg.Connection[dict[str, Any]]

OPTIONAL = OPTIONAL_CHANNELS


@dataclass(frozen=True)
class PileSamples:
    series: PileSeries
    rig: str | None
    count: int
    first_t: datetime
    last_t: datetime


@dataclass(frozen=True)
class PileEvents:
    rig: str | None
    started_at: datetime | None
    ended_at: datetime | None
    start_x_m: float | None
    start_y_m: float | None


def load_samples(conn: Conn, site: str, pile: str) -> PileSamples | None:
    # One row of arrays, aggregated by the server and received in binary: thousands of
    # samples reach NumPy without a Python object per value.
    channels = ("depth_m", "flow_l_min", *OPTIONAL)
    aggregates = ", ".join(
        [
            "array_agg(extract(epoch FROM t)::float8) AS epoch_s",
            "array_agg(seq) AS seq",
            *(f"array_agg({c}) AS {c}" for c in channels),
            "min(t) AS first_t",
            "max(t) AS last_t",
            "count(*) AS n",
            "array_agg(DISTINCT rig_id) AS rigs",
            "(array_agg(rig_id))[count(*)] AS last_rig",
        ]
    )
    # Sorted once in the subquery; the aggregates keep that order (one sort, not twelve).
    with conn.cursor(binary=True) as cur:
        cur.execute(
            f"SELECT {aggregates} FROM (SELECT * FROM telemetry"
            " WHERE site_id = %s AND pile_id = %s ORDER BY t, rig_id, boot, seq) AS ordered",
            (site, pile),
        )
        row = cur.fetchone()
    if row is None or not row["n"]:
        return None
    epoch = np.array(row["epoch_s"], dtype=np.float64)
    arrays = {c: np.array(row[c], dtype=np.float64) for c in channels}  # None → nan
    series = PileSeries.from_arrays(
        epoch - epoch[0],
        arrays["depth_m"],
        arrays["flow_l_min"],
        seq=np.array(row["seq"], dtype=np.int64),
        start=row["first_t"],
        **{c: arrays[c] for c in OPTIONAL},
    )
    rigs = sorted(row["rigs"])
    rig = row["last_rig"] if len(rigs) == 1 else rigs[-1]
    return PileSamples(
        series=series, rig=rig, count=int(row["n"]), first_t=row["first_t"], last_t=row["last_t"]
    )


def load_planned(conn: Conn, site: str, pile: str) -> PlannedPile | None:
    row = conn.execute(
        "SELECT pile_id, x_m, y_m, design_length_m, diameter_m, design_cement_kg_m, wc,"
        " density_kg_l, blades, process FROM planned_piles WHERE site_id = %s AND pile_id = %s",
        (site, pile),
    ).fetchone()
    if row is None:
        return None
    return PlannedPile(
        pile=row["pile_id"],
        x_m=row["x_m"],
        y_m=row["y_m"],
        design_length_m=row["design_length_m"],
        diameter_m=row["diameter_m"],
        design_cement_kg_m=row["design_cement_kg_m"],
        wc=row["wc"],
        density_kg_l=row["density_kg_l"],
        blades=row["blades"],
        process=row["process"],
    )


def load_events(conn: Conn, site: str, pile: str) -> PileEvents:
    rows = conn.execute(
        "SELECT type, t, rig_id, payload FROM rig_events"
        " WHERE site_id = %s AND pile_id = %s AND type IN ('pile_start', 'pile_end')"
        " ORDER BY t",
        (site, pile),
    ).fetchall()
    starts = [r for r in rows if r["type"] == "pile_start"]
    ends = [r for r in rows if r["type"] == "pile_end"]
    start = starts[0] if starts else None
    x = start["payload"].get("x") if start else None
    y = start["payload"].get("y") if start else None
    return PileEvents(
        rig=(start or (ends[-1] if ends else None) or {}).get("rig_id"),
        started_at=start["t"] if start else None,
        ended_at=ends[-1]["t"] if ends else None,
        start_x_m=float(x) if isinstance(x, int | float) else None,
        start_y_m=float(y) if isinstance(y, int | float) else None,
    )
