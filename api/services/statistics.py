"""Site statistics for the dashboard, over finished piles (analytics.site_stats does the maths).

Cement per metre of a pile here is its total cement over the depth it reached. Days are UTC
days of `ended_at`. Control charts run over piles in the order they ended.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import numpy as np
import psycopg

from analytics.site_stats import (
    DEFAULT_PERCENTILES,
    ControlChart,
    Distribution,
    SiteStatsError,
    compare_rigs,
    distribution,
    ewma,
    shewhart,
    uniformity_trend,
)
from api.services.errors import InvalidInputError
from api.services.sites import require_site

Conn = psycopg.Connection[dict[str, Any]]
Period = tuple[date, date]


def _num(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


def _nums(values: Sequence[float]) -> list[float | None]:
    return [_num(v) for v in values]


def _dist(d: Distribution) -> dict[str, Any]:
    return {
        "piles": d.piles,
        "cement_kg_m": _nums(d.cement_kg_m),
        "cv": _nums(d.cv),
        "cu": _nums(d.cu),
        "pass_rate": _num(d.pass_rate),
    }


def _load(conn: Conn, site: str, start: date | None, end: date | None) -> list[dict[str, Any]]:
    where = ["site_id = %s", "status IN ('complete', 'incomplete')", "ended_at IS NOT NULL"]
    params: list[Any] = [site]
    if start is not None:
        where.append("ended_at >= %s")
        params.append(datetime.combine(start, time(), UTC))
    if end is not None:
        where.append("ended_at < %s")
        params.append(datetime.combine(end + timedelta(days=1), time(), UTC))
    return conn.execute(
        "SELECT pile_id AS pile, coalesce(rig_id, '') AS rig, ended_at,"
        " (ended_at AT TIME ZONE 'UTC')::date AS day,"
        " CASE WHEN depth_reached_m > 0 THEN cement_total_kg / depth_reached_m END"
        "   AS cement_kg_m, cv, cu,"
        " CASE verdict WHEN 'pass' THEN true WHEN 'fail' THEN false END AS passed"
        f" FROM piles WHERE {' AND '.join(where)} ORDER BY ended_at, pile_id".encode(),
        params,
    ).fetchall()


def _column(rows: list[dict[str, Any]], name: str) -> np.ndarray[Any, np.dtype[np.float64]]:
    return np.asarray([np.nan if r[name] is None else r[name] for r in rows], dtype=np.float64)


def _distribution(rows: list[dict[str, Any]]) -> dict[str, Any]:
    return _dist(
        distribution(
            _column(rows, "cement_kg_m"),
            _column(rows, "cv"),
            _column(rows, "cu"),
            [r["passed"] for r in rows],
        )
    )


def _grouped(rows: list[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    groups: dict[Any, list[dict[str, Any]]] = {}
    for r in rows:
        groups.setdefault(r[key], []).append(r)
    return [{key: k, **_distribution(v)} for k, v in sorted(groups.items())]


def _chart(chart: ControlChart, points: list[dict[str, Any]]) -> dict[str, Any]:
    out = set(chart.out_of_control.tolist())
    return {
        "centre": _num(chart.centre),
        "sigma": _num(chart.sigma),
        "points": [
            {
                "pile": p["pile"],
                "ended_at": p["ended_at"],
                "value": _num(float(chart.statistic[i])),
                "ucl": _num(float(chart.ucl[i])),
                "lcl": _num(float(chart.lcl[i])),
                "out_of_control": i in out,
            }
            for i, p in enumerate(points)
        ],
    }


def _charts(rows: list[dict[str, Any]], name: str) -> dict[str, Any]:
    # Piles without the value are left out, so the chart's indexes are the points' indexes.
    points = [r for r in rows if r[name] is not None and math.isfinite(r[name])]
    if len(points) < 2:
        return {"shewhart": None, "ewma": None}
    values = [float(p[name]) for p in points]
    return {"shewhart": _chart(shewhart(values), points), "ewma": _chart(ewma(values), points)}


def _trend(rows: list[dict[str, Any]], before: Period, after: Period) -> dict[str, Any] | None:
    def pick(period: Period, name: str) -> list[float]:
        return [
            float(r[name])
            for r in rows
            if period[0] <= r["day"] <= period[1] and r[name] is not None
        ]

    try:
        trend = uniformity_trend(
            pick(before, "cv"), pick(after, "cv"), pick(before, "cu"), pick(after, "cu")
        )
    except SiteStatsError:
        return None  # a period without piles (or a zero mean): nothing to compare
    return {
        "before": {"from": before[0], "to": before[1]},
        "after": {"from": after[0], "to": after[1]},
        "mean_cv_before": _num(trend.mean_cv_before),
        "mean_cv_after": _num(trend.mean_cv_after),
        "cv_change_pct": _num(trend.cv_change_pct),
        "mean_cu_before": _num(trend.mean_cu_before),
        "mean_cu_after": _num(trend.mean_cu_after),
        "cu_change_pct": _num(trend.cu_change_pct),
        "conclusion": trend.conclusion,
    }


def _rig_comparisons(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each rig against the rest of the site (n comparisons, not n² pairs)."""
    rigs = sorted({r["rig"] for r in rows if r["cement_kg_m"] is not None})
    if len(rigs) < 2:
        return []
    out = []
    for rig in rigs:
        mine = [r["cement_kg_m"] for r in rows if r["rig"] == rig and r["cement_kg_m"] is not None]
        rest = [r["cement_kg_m"] for r in rows if r["rig"] != rig and r["cement_kg_m"] is not None]
        c = compare_rigs(mine, rest, label_a=f"rig {rig}", label_b="the other rigs")
        out.append(
            {
                "rig": rig,
                "against": "other rigs",
                "quantity": "cement_kg_m",
                "statistic": _num(c.statistic),
                "p_value": _num(c.p_value),
                "n_rig": c.n_a,
                "n_other": c.n_b,
                "median_rig": _num(c.median_a),
                "median_other": _num(c.median_b),
                "conclusion": c.conclusion,
            }
        )
    return out


def site_statistics(
    conn: Conn,
    site: str,
    start: date | None,
    end: date | None,
    before: Period | None = None,
    after: Period | None = None,
) -> dict[str, Any]:
    require_site(conn, site)
    if start is not None and end is not None and end < start:
        raise InvalidInputError("`to` is before `from`")
    rows = _load(conn, site, start, end)
    first = start or (rows[0]["day"] if rows else None)
    last = end or (rows[-1]["day"] if rows else None)
    if before is None or after is None:
        before = after = None
        if first is not None and last is not None and last > first:
            middle = first + (last - first) // 2
            before, after = (first, middle), (middle + timedelta(days=1), last)
    return {
        "site": site,
        "from": first,
        "to": last,
        "piles": len(rows),
        "percentiles": list(DEFAULT_PERCENTILES),
        "overall": _distribution(rows),
        "by_day": _grouped(rows, "day"),
        "by_rig": _grouped(rows, "rig"),
        "control_charts": {"cv": _charts(rows, "cv"), "cement_kg_m": _charts(rows, "cement_kg_m")},
        "uniformity_trend": _trend(rows, before, after) if before and after else None,
        "rig_comparison": _rig_comparisons(rows),
    }
