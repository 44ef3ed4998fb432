"""The public page a pile tag's QR code opens (码上监督): the sealed record in plain
language, in Chinese and English, and the result of verifying it."""

from __future__ import annotations

from datetime import UTC, datetime
from html import escape
from typing import Any

_STYLE = """
body{font-family:system-ui,"PingFang SC","Microsoft YaHei",sans-serif;max-width:42rem;
margin:1rem auto;padding:0 1rem;color:#1b1b1b}
.ok{background:#e5f6e8;border:2px solid #2e7d32;padding:.8rem;border-radius:.5rem}
.bad{background:#fdecea;border:2px solid #c62828;padding:.8rem;border-radius:.5rem}
table{border-collapse:collapse;width:100%}td{border-bottom:1px solid #ddd;padding:.3rem}
td:first-child{color:#555;width:45%}code{word-break:break-all;font-size:.8rem}
"""


def _time(ms: object) -> str:
    if not isinstance(ms, int):
        return "—"
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M UTC")


def _num(value: object, scale: int, unit: str, digits: int = 2) -> str:
    if not isinstance(value, int):
        return "—"
    return f"{value / scale:.{digits}f} {unit}"


def _row(label: str, value: str) -> str:
    return f"<tr><td>{escape(label)}</td><td>{escape(value)}</td></tr>"


def render_record_page(data: dict[str, Any] | None, leaf_hash_hex: str) -> str:
    if data is None:
        body = (
            '<div class="bad"><h2>未找到记录 · Record not found</h2>'
            f"<p>没有哈希为 <code>{escape(leaf_hash_hex)}</code> 的封存记录。<br>"
            "No sealed record has this hash.</p></div>"
        )
        return _page("未找到 · Not found", body)
    record = data.get("record") or {}
    summary = record.get("summary") or {}
    verdict = {"pass": "合格 · pass", "fail": "不合格 · fail"}.get(
        str(summary.get("verdict")), "未判定 · not decided"
    )
    if data["verified"]:
        cos = data.get("cosignatures") or 0
        status = (
            '<div class="ok"><h2>✔ 已验证 · verified</h2>'
            f"<p>此记录自封存以来未被修改：它包含在日志签名的第 {data['tree_size']} 号树状态中"
            f"（{cos} 个见证方联署）。<br>This record has not changed since it was sealed: it is"
            f" included in the log's signed tree of size {data['tree_size']}, cosigned by "
            f"{cos} witness(es).</p></div>"
        )
    else:
        status = (
            '<div class="bad"><h2>✘ 未通过验证 · NOT verified</h2>'
            f"<p>检查项 · check: <b>{escape(str(data.get('check')))}</b><br>"
            f"{escape(str(data.get('message')))}</p></div>"
        )
    superseded = ""
    if data.get("superseded_by") is not None:
        superseded = (
            "<p><b>此记录已被更正 · this record was superseded</b> "
            f"(leaf {escape(str(data['superseded_by']))})</p>"
        )
    correction = record.get("correction")
    rows = [
        _row("工地 · site", str(data["site"])),
        _row("桩号 · pile", str(data["pile"])),
        _row("桩机 · rig", str(record.get("rig") or "—")),
        _row("状态 · status", str(record.get("status") or "—")),
        _row("结论 · verdict", verdict),
        _row("原因 · reasons", "; ".join(map(str, summary.get("reasons") or [])) or "—"),
        _row("成桩深度 · depth reached", _num(summary.get("depth_reached_mm"), 1000, "m")),
        _row("设计桩长 · design length", _num(summary.get("design_length_mm"), 1000, "m")),
        _row("水泥用量 · cement", _num(summary.get("cement_total_g"), 1000, "kg", 1)),
        _row("开始 · started", _time(record.get("started_at_ms"))),
        _row("结束 · ended", _time(record.get("ended_at_ms"))),
        _row("封存 · sealed", _time(record.get("sealed_at_ms"))),
        _row("报警 · alerts", str(len(record.get("alerts") or []))),
        _row("原始数据 · raw samples", str((record.get("samples") or {}).get("count", "—"))),
    ]
    if isinstance(correction, dict):
        rows.append(
            _row(
                "更正 · correction",
                f"{correction.get('by')}: {correction.get('reason')}",
            )
        )
    body = (
        f"<h1>桩基封存记录 · Sealed pile record</h1>{status}{superseded}"
        f"<table>{''.join(rows)}</table>"
        f"<p>记录哈希 · record hash:<br><code>{escape(leaf_hash_hex)}</code></p>"
        f"<p>日志序号 · leaf index: {escape(str(data['leaf_index']))}</p>"
    )
    return _page(f"{data['pile']} · 封存记录", body)


def _page(title: str, body: str) -> str:
    return (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body>{body}</body></html>"
    )
