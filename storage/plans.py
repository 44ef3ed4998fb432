"""Loading a site plan: planned piles are upserted, recorded data is never touched."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import psycopg

from siteplan.csv_format import PlannedPile


@dataclass(frozen=True)
class PlanImportResult:
    site: str
    inserted: int
    updated: int


def import_plan(
    conn: psycopg.Connection[dict[str, Any]], site: str, piles: list[PlannedPile]
) -> PlanImportResult:
    inserted = updated = 0
    with conn.transaction(), conn.cursor() as cur:
        cur.execute("INSERT INTO sites (site_id) VALUES (%s) ON CONFLICT DO NOTHING", (site,))
        for p in piles:
            cur.execute(
                """
                INSERT INTO planned_piles (site_id, pile_id, x_m, y_m, design_length_m,
                    diameter_m, design_cement_kg_m, wc, density_kg_l, blades, process)
                VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
                ON CONFLICT (site_id, pile_id) DO UPDATE SET
                    x_m = excluded.x_m, y_m = excluded.y_m,
                    design_length_m = excluded.design_length_m,
                    diameter_m = excluded.diameter_m,
                    design_cement_kg_m = excluded.design_cement_kg_m,
                    wc = excluded.wc, density_kg_l = excluded.density_kg_l,
                    blades = excluded.blades, process = excluded.process,
                    updated_at = now()
                RETURNING (xmax = 0) AS inserted
                """,
                (
                    site,
                    p.pile,
                    p.x_m,
                    p.y_m,
                    p.design_length_m,
                    p.diameter_m,
                    p.design_cement_kg_m,
                    p.wc,
                    p.density_kg_l,
                    p.blades,
                    p.process,
                ),
            )
            row = cur.fetchone()
            if row is not None and row["inserted"]:
                inserted += 1
            else:
                updated += 1
    return PlanImportResult(site=site, inserted=inserted, updated=updated)


def load_plan(conn: psycopg.Connection[dict[str, Any]], site: str) -> list[PlannedPile]:
    rows = conn.execute(
        "SELECT pile_id, x_m, y_m, design_length_m, diameter_m, design_cement_kg_m, wc,"
        " density_kg_l, blades, process FROM planned_piles WHERE site_id = %s ORDER BY pile_id",
        (site,),
    ).fetchall()
    return [
        PlannedPile(
            pile=r["pile_id"],
            x_m=r["x_m"],
            y_m=r["y_m"],
            design_length_m=r["design_length_m"],
            diameter_m=r["diameter_m"],
            design_cement_kg_m=r["design_cement_kg_m"],
            wc=r["wc"],
            density_kg_l=r["density_kg_l"],
            blades=r["blades"],
            process=r["process"],
        )
        for r in rows
    ]
