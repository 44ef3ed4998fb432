"""A printable pile report: metrics, verdict and reasons, the cement profile chart, alerts.

HTML (chart inlined as PNG) and PDF (reportlab; the built-in STSong-Light CID font renders
Chinese ids without font files). matplotlib draws through its object API, never pyplot:
pyplot keeps global state and is not safe in the server's worker threads.
"""

from __future__ import annotations

import base64
import html
import io
from datetime import datetime
from typing import Any

import psycopg

from api.services.exports import alert_rows
from api.services.piles import get_profile, get_summary

Conn = psycopg.Connection[dict[str, Any]]
DEFAULT_DESIGN_KG_M = 55.0  # analytics.evaluation.DEFAULT_DESIGN, for unplanned piles

METRICS = (
    ("Site", "site"),
    ("Rig", "rig"),
    ("Status", "status"),
    ("Started", "started_at"),
    ("Ended", "ended_at"),
    ("Samples", "samples"),
    ("Depth reached (m)", "depth_reached_m"),
    ("Design length (m)", "design_length_m"),
    ("Total cement (kg)", "cement_total_kg"),
    ("CV", "cv"),
    ("CU", "cu"),
    ("DU (low quarter)", "du_lq"),
    ("Min ratio to design", "min_ratio"),
    ("Score / grade", "score_grade"),
)
ALERT_COLUMNS = ("raised_at", "severity", "state", "rule", "depth", "message")


def _fmt(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.3f}" if abs(value) < 10 else f"{value:.1f}"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S %Z")
    return str(value)


def report_data(conn: Conn, pile: str, site: str | None) -> dict[str, Any]:
    summary = get_summary(conn, pile, site)
    profile = get_profile(conn, pile, summary["site"])
    row = conn.execute(
        "SELECT design_cement_kg_m FROM planned_piles WHERE site_id = %s AND pile_id = %s",
        (summary["site"], pile),
    ).fetchone()
    alerts = [
        a
        for a in alert_rows(conn, summary["site"])
        if a["pile"] == pile  # few per site and pile; the export query is reused as is
    ]
    summary["score_grade"] = f"{_fmt(summary['score'])} / {summary['grade'] or '–'}"
    return {
        "summary": summary,
        "profile": profile,
        "design_kg_m": float(row["design_cement_kg_m"]) if row else DEFAULT_DESIGN_KG_M,
        "alerts": alerts,
    }


def chart_png(profile: dict[str, Any], design_kg_m: float) -> bytes:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(5.0, 6.0), dpi=110)
    ax = fig.add_subplot()
    for b in profile["bins"]:
        value = b.get("cement_kg_m")
        if value is not None:
            ax.plot([value, value], [b["top_m"], b["bottom_m"]], color="#1f77b4", lw=2.5)
    ax.axvline(design_kg_m, color="#2ca02c", ls="--", label=f"design {design_kg_m:g} kg/m")
    ax.axvline(0.75 * design_kg_m, color="#d62728", ls=":", label="75% of design")
    ax.set_xlabel("cement per metre (kg/m)")
    ax.set_ylabel("depth (m)")
    ax.invert_yaxis()
    ax.set_xlim(left=0)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    out = io.BytesIO()
    fig.savefig(out, format="png")
    return out.getvalue()


def _alert_cells(a: dict[str, Any]) -> list[str]:
    depth = (
        f"{a['depth_top_m']:.1f}–{a['depth_bottom_m']:.1f} m"
        if a["depth_top_m"] is not None and a["depth_bottom_m"] is not None
        else "–"
    )
    return [_fmt(a["raised_at"]), a["severity"], a["state"], a["rule"], depth, a["message"]]


def render_html(data: dict[str, Any]) -> str:
    s = data["summary"]
    e = html.escape
    png = base64.b64encode(chart_png(data["profile"], data["design_kg_m"])).decode("ascii")
    metrics = "".join(f"<tr><th>{e(k)}</th><td>{e(_fmt(s[f]))}</td></tr>" for k, f in METRICS)
    reasons = "".join(f"<li>{e(r)}</li>" for r in s["reasons"]) or "<li>–</li>"
    alerts = "".join(
        "<tr>" + "".join(f"<td>{e(c)}</td>" for c in _alert_cells(a)) + "</tr>"
        for a in data["alerts"]
    )
    verdict = s["verdict"] or "not yet known"
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Pile {e(s["pile"])}</title>
<style>
body {{ font-family: sans-serif; margin: 2em; }}
table {{ border-collapse: collapse; }} th, td {{ border: 1px solid #ccc; padding: 4px 8px; }}
th {{ text-align: left; background: #f4f4f4; }}
.verdict-pass {{ color: #2ca02c; }} .verdict-fail {{ color: #d62728; }}
@media print {{ body {{ margin: 0; }} }}
</style></head><body>
<h1>Pile {e(s["pile"])}</h1>
<h2 class="verdict-{e(verdict)}">Verdict: {e(verdict)}</h2>
<ul class="reasons">{reasons}</ul>
<table class="metrics">{metrics}</table>
<h2>Cement per metre by depth</h2>
<img alt="cement per metre by depth" src="data:image/png;base64,{png}">
<h2>Alerts</h2>
<table class="alerts"><tr>{"".join(f"<th>{c}</th>" for c in ALERT_COLUMNS)}</tr>{alerts}</table>
</body></html>
"""


def render_pdf(data: dict[str, Any]) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import cm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = "STSong-Light"
    pdfmetrics.registerFont(UnicodeCIDFont(font))
    styles = getSampleStyleSheet()
    for style in styles.byName.values():
        style.fontName = font
    s = data["summary"]

    def p(text: str, style: str = "BodyText") -> Paragraph:
        return Paragraph(html.escape(text), styles[style])

    grid = TableStyle(
        [
            ("FONTNAME", (0, 0), (-1, -1), font),
            ("FONTSIZE", (0, 0), (-1, -1), 8),
            ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ]
    )
    story: list[Any] = [
        p(f"Pile {s['pile']}", "Title"),
        p(f"Verdict: {s['verdict'] or 'not yet known'}", "Heading2"),
        *[p(f"• {r}") for r in s["reasons"]],
        Spacer(1, 0.3 * cm),
        Table([[k, _fmt(s[f])] for k, f in METRICS], style=grid, hAlign="LEFT"),
        p("Cement per metre by depth", "Heading2"),
        Image(io.BytesIO(chart_png(data["profile"], data["design_kg_m"])), 10 * cm, 12 * cm),
        p("Alerts", "Heading2"),
    ]
    if data["alerts"]:
        rows = [list(ALERT_COLUMNS)] + [
            [*_alert_cells(a)[:5], p(_alert_cells(a)[5])] for a in data["alerts"]
        ]
        story.append(Table(rows, style=grid, hAlign="LEFT", repeatRows=1))
    else:
        story.append(p("none"))
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, title=f"Pile {s['pile']}", author="pilewatch")
    doc.build(story)
    return out.getvalue()
