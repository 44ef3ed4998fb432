from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

from simulators.publisher import OutMsg


def telemetry(messages: list[OutMsg]) -> list[dict[str, Any]]:
    out = []
    for m in messages:
        if m.topic.endswith("/telemetry"):
            try:
                d = json.loads(m.payload)
            except ValueError:
                continue
            if isinstance(d, dict) and d.get("v") == 1:
                out.append(d)
    return out


def samples_by_pile(messages: list[OutMsg]) -> dict[str, list[dict[str, Any]]]:
    """Samples per pile, in (boot order of appearance, seq) order, deduplicated."""
    seen: set[tuple[str, str, int]] = set()
    piles: dict[str, list[tuple[int, int, dict[str, Any]]]] = defaultdict(list)
    boots: dict[str, int] = {}
    for d in telemetry(messages):
        boot = boots.setdefault(d["boot"], len(boots))
        for s in d["samples"]:
            if "seq" not in s or s["seq"] >= 9_000_000:
                continue
            key = (d["rig"], d["boot"], s["seq"])
            if key in seen:
                continue
            seen.add(key)
            piles[d.get("pile", "")].append((boot, s["seq"], s))
    return {p: [s for _, _, s in sorted(v, key=lambda x: x[:2])] for p, v in piles.items()}


def cement_per_m(samples: list[dict[str, Any]], top: float, bottom: float) -> float:
    """kg per metre over [top, bottom], 1 s per sample."""
    kg = 0.0
    for s in samples:
        if top <= s["depth_m"] <= bottom:
            kg += s["flow_l_min"] / 60.0 * s["density_kg_l"] / (1.0 + s["wc"])
    return kg / (bottom - top)
