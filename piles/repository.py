"""Reading a recorded pile: its samples as a PileSeries, its plan row, its events."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import psycopg

from analytics.series import PileSeries
from siteplan.csv_format import PlannedPile

Conn = psycopg.Connection[dict[str, Any]]

OPTIONAL = (
    "rpm",
    "density_kg_l",
    "wc",
    "pressure_mpa",
    "current_a",
    "tilt_x_deg",
    "tilt_y_deg",
)


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
    columns = ", ".join(("t", "depth_m", "flow_l_min", *OPTIONAL, "seq", "rig_id"))
    # A plain tuple cursor: thousands of rows go straight into NumPy arrays.
    with conn.cursor(row_factory=psycopg.rows.tuple_row) as cur:
        cur.execute(
            f"SELECT {columns} FROM telemetry WHERE site_id = %s AND pile_id = %s ORDER BY t, seq",
            (site, pile),
        )
        rows = cur.fetchall()
    if not rows:
        return None
    first_t: datetime = rows[0][0]
    last_t: datetime = rows[-1][0]
    t_s = np.array([(r[0] - first_t).total_seconds() for r in rows], dtype=np.float64)
    matrix = np.array([r[1:10] for r in rows], dtype=np.float64)  # None → nan
    optional = {name: matrix[:, 2 + i] for i, name in enumerate(OPTIONAL)}
    series = PileSeries.from_arrays(
        t_s,
        matrix[:, 0],
        matrix[:, 1],
        seq=np.array([r[10] for r in rows], dtype=np.int64),
        start=first_t,
        **optional,
    )
    rigs = {r[11] for r in rows}
    rig = rows[-1][11] if len(rigs) == 1 else sorted(rigs)[-1]
    return PileSamples(series=series, rig=rig, count=len(rows), first_t=first_t, last_t=last_t)


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
