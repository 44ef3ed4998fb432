"""Test data for the ledger: a site, a planned pile, a final evaluated pile and its samples."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from runtime.settings import get_settings
from sealing.service import Sealer
from storage.db import connect

T0 = datetime(2026, 11, 22, 8, 0, 0, tzinfo=UTC)


def add_pile(
    url: str,
    pile: str,
    *,
    site: str = "S1",
    revision: int = 1,
    status: str = "complete",
    cement: float = 1234.5,
    samples: int = 5,
) -> None:
    with connect(url) as conn, conn.transaction():
        conn.execute("INSERT INTO sites (site_id) VALUES (%s) ON CONFLICT DO NOTHING", (site,))
        conn.execute(
            "INSERT INTO planned_piles (site_id, pile_id, x_m, y_m, design_length_m,"
            " diameter_m, design_cement_kg_m, wc, density_kg_l, blades, process)"
            " VALUES (%s, %s, 1.5, 2.25, 12.0, 0.5, 55.0, 0.5, 1.8, 4, '4-pass')"
            " ON CONFLICT DO NOTHING",
            (site, pile),
        )
        profile = [
            {
                "top_m": 0.0,
                "bottom_m": 0.5,
                "cement_kg_m": 56.25,
                "cement_down_kg_m": 30.0,
                "cement_up_kg_m": 26.25,
                "slurry_l_m": 62.5,
                "blade_passes_per_m": 410.0,
                "max_withdrawal_m_min": 0.8,
            }
        ]
        conn.execute(
            "INSERT INTO piles (site_id, pile_id, rig_id, status, started_at, ended_at, samples,"
            " depth_reached_m, design_length_m, cement_total_kg, cv, cu, du_lq, min_ratio,"
            " verdict, reasons, score, grade, analytics_version, rules_digest, summary,"
            " profile, findings, evaluated_at, revision)"
            " VALUES (%s, %s, 'R1', %s, %s, %s, %s, 12.04, 12.0, %s, 0.12, 0.9, 0.85, 0.95,"
            " 'pass', '[]', 91.5, 'A', 'analytics-1.0', 'sha256:abc', %s, %s, %s, %s, %s)"
            " ON CONFLICT (site_id, pile_id) DO UPDATE SET revision = EXCLUDED.revision,"
            " cement_total_kg = EXCLUDED.cement_total_kg, status = EXCLUDED.status",
            (
                site,
                pile,
                status,
                T0,
                T0 + timedelta(minutes=30),
                samples,
                cement,
                json.dumps({"share_at_design": 0.97}),
                json.dumps(profile),
                json.dumps(
                    [
                        {
                            "rule": "low_cement",
                            "severity": "info",
                            "depth_top_m": 3.0,
                            "depth_bottom_m": 3.5,
                            "value": 50.1,
                            "limit": 49.5,
                            "message": "水泥用量偏低 3.0–3.5 m",
                        }
                    ]
                ),
                T0 + timedelta(minutes=31),
                revision,
            ),
        )
        for seq in range(samples):
            conn.execute(
                "INSERT INTO telemetry (site_id, rig_id, boot, seq, t, pile_id, depth_m,"
                " flow_l_min, rpm) VALUES (%s, 'R1', 'b1', %s, %s, %s, %s, 40.0, 48.0)"
                " ON CONFLICT DO NOTHING",
                (site, seq, T0 + timedelta(seconds=seq), pile, 0.1 * seq),
            )


def make_sealer(url: str, state_dir: Path, **settings: Any) -> Sealer:
    settings.setdefault("ledger_checkpoint_interval_s", 3600.0)
    return Sealer(url, state_dir, get_settings(**settings))


def seal_all(sealer: Sealer, url: str) -> None:
    with connect(url) as conn:
        result = sealer.run_once(conn)
        assert result.failed == 0
