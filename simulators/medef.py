"""Bauer MEDEF v8 JSON rig logs (domain.md §2) read into samples of the contract shape.

Each channel of ``timeSeriesBlock.serialValuesFree`` has its own ``startTime``,
``timeInterval`` (ms) and ``unitOfMeasurement``; units are honoured per channel. Samples are
put on the DEPTH channel's grid (``Tiefe``: one sample per depth value, at
``startTime + i·timeInterval``); every other channel is linearly interpolated at those times
and left out of a sample outside its own time span or where its value is null. ``seq`` is the
index on the depth grid. The two flow channels are summed (a missing one counts as 0 while
the other has a value). Mapped channels beyond the contract keep their own field names:
``speed_m_min``, ``slurry_total_l``, ``torque_knm``, ``slurry_l_m``, ``rev_per_m``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from simulators.rig_model import format_time

MAX_MESSAGE_BYTES = 256 * 1024


class MedefError(ValueError):
    """A MEDEF file that cannot be read; the message names the file and the problem."""


_LENGTH = {"m": 1.0, "cm": 0.01, "mm": 0.001}
_FLOW = {"l/min": 1.0, "m3/h": 1000.0 / 60.0, "l/s": 60.0, "m3/min": 1000.0, "l/h": 1 / 60}
_PRESSURE = {"mpa": 1.0, "bar": 0.1, "kpa": 0.001, "pa": 1e-6, "psi": 0.00689476}
_ROTATION = {"u/min": 1.0, "rpm": 1.0, "1/min": 1.0, "min-1": 1.0, "u/s": 60.0}
_SPEED = {
    "m/min": 1.0,
    "cm/min": 0.01,
    "mm/min": 0.001,
    "m/s": 60.0,
    "cm/s": 0.6,
    "m/h": 1 / 60,
}
_VOLUME = {"l": 1.0, "m3": 1000.0, "dm3": 1.0}
_TORQUE = {"knm": 1.0, "nm": 0.001, "mnm": 1000.0}
_ANGLE = {"deg": 1.0, "°": 1.0, "grad": 1.0, "rad": 180.0 / math.pi}
_PER_METRE = {"l/m": 1.0, "m3/m": 1000.0}
_REV_PER_M = {"u/m": 1.0, "rev/m": 1.0, "1/m": 1.0}
_DENSITY = {"kg/l": 1.0, "g/cm3": 1.0, "t/m3": 1.0, "kg/m3": 0.001}

#: channel name → (field, unit table)
CHANNELS: dict[str, tuple[str, dict[str, float]]] = {
    "tiefe": ("depth_m", _LENGTH),
    "drehzahl": ("rpm", _ROTATION),
    "vorschubgeschwindigkeit": ("speed_m_min", _SPEED),
    "susp.-durchfl.": ("flow_l_min", _FLOW),
    "susp.-durchfl.2": ("flow2_l_min", _FLOW),
    "susp.-druck": ("pressure_mpa", _PRESSURE),
    "susp.-mg1+2": ("slurry_total_l", _VOLUME),
    "drehmoment": ("torque_knm", _TORQUE),
    "neigung x mast": ("tilt_x_deg", _ANGLE),
    "neigung y mast": ("tilt_y_deg", _ANGLE),
    "menge pro meter": ("slurry_l_m", _PER_METRE),
    "drehrate": ("rev_per_m", _REV_PER_M),
    "dichte": ("density_kg_l", _DENSITY),
    "susp.-dichte": ("density_kg_l", _DENSITY),
}
_ROUND = {"depth_m": 3, "flow_l_min": 2, "pressure_mpa": 4, "slurry_total_l": 2}


@dataclass(slots=True)
class MedefPile:
    name: str
    technique: str | None
    start: datetime | None
    samples: list[dict[str, Any]]
    unmapped_channels: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass(slots=True)
class _Channel:
    name: str
    field: str
    start: datetime
    interval_s: float
    values: list[float | None]

    def at(self, t: datetime) -> float | None:
        x = (t - self.start).total_seconds() / self.interval_s
        if x < -1e-9 or x > len(self.values) - 1 + 1e-9:
            return None
        i = min(math.floor(x + 1e-9), len(self.values) - 1)
        a = self.values[i]
        frac = x - i
        if frac <= 1e-9 or i + 1 >= len(self.values):
            return a
        b = self.values[i + 1]
        if a is None or b is None:
            return a if frac < 0.5 else b
        return a + (b - a) * frac


def normalise_unit(unit: str) -> str:
    u = unit.strip().lower().replace(" ", "").replace("³", "3").replace("^3", "")
    return u.replace("m3", "m3").replace("ltr", "l").replace("liter", "l").replace("grd", "grad")


def _time(raw: object, what: str, source: str) -> datetime:
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        return datetime.fromtimestamp(raw / 1000.0, UTC)
    if isinstance(raw, str):
        try:
            t = datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
        except ValueError:
            pass
        else:
            return t if t.tzinfo is not None else t.replace(tzinfo=UTC)
    raise MedefError(f"{source}: {what} is not a time: {raw!r}")


def load_medef(path: str | Path) -> MedefPile:
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise MedefError(f"{p}: cannot read: {exc}") from exc
    return parse_medef(data, str(p))


def parse_medef(data: bytes | str, source: str = "<medef>") -> MedefPile:
    """Parse one MEDEF v8 JSON document; raises MedefError naming ``source``."""
    try:
        doc = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise MedefError(f"{source}: not JSON: {exc}") from exc
    if not isinstance(doc, dict):
        raise MedefError(f"{source}: top level is not a JSON object")
    name = doc.get("name")
    if not isinstance(name, str) or not name.strip():
        raise MedefError(f"{source}: missing element name ('name')")
    block = doc.get("timeSeriesBlock")
    series = block.get("serialValuesFree") if isinstance(block, dict) else None
    if not isinstance(series, list):
        raise MedefError(f"{source}: no timeSeriesBlock.serialValuesFree list")
    notes: list[str] = []
    unmapped: list[str] = []
    channels: dict[str, _Channel] = {}
    for k, ch in enumerate(series):
        if not isinstance(ch, dict) or not isinstance(ch.get("seriesName"), str):
            raise MedefError(f"{source}: channel {k} has no seriesName")
        cname = ch["seriesName"]
        key = cname.strip().lower()
        if key not in CHANNELS:
            unmapped.append(cname)
            continue
        fname, table = CHANNELS[key]
        unit = ch.get("unitOfMeasurement")
        factor = table.get(normalise_unit(unit)) if isinstance(unit, str) else None
        if factor is None:
            raise MedefError(f"{source}: channel {cname!r} has unknown unit {unit!r}")
        interval = ch.get("timeInterval")
        if not isinstance(interval, int | float) or isinstance(interval, bool) or interval <= 0:
            raise MedefError(f"{source}: channel {cname!r} has bad timeInterval {interval!r}")
        values = ch.get("values")
        if not isinstance(values, list):
            raise MedefError(f"{source}: channel {cname!r} has no values list")
        scaled: list[float | None] = []
        for j, v in enumerate(values):
            if v is None:
                scaled.append(None)
            elif isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v):
                scaled.append(float(v) * factor)
            else:
                raise MedefError(f"{source}: channel {cname!r} value {j} is not a number: {v!r}")
        if fname in channels:
            notes.append(f"channel {cname!r} repeats {fname}; the first one is used")
            continue
        start = _time(ch.get("startTime"), f"channel {cname!r} startTime", source)
        channels[fname] = _Channel(cname, fname, start, interval / 1000.0, scaled)
        if factor != 1.0:
            notes.append(f"{cname}: {unit} converted (×{factor:g})")
    depth = channels.get("depth_m")
    if depth is None:
        raise MedefError(f"{source}: no depth channel ('Tiefe')")
    for ch in channels.values():
        same_grid = ch.start == depth.start and ch.interval_s == depth.interval_s
        if same_grid and len(ch.values) != len(depth.values):
            raise MedefError(
                f"{source}: mismatched lengths: {ch.name!r} has {len(ch.values)} values, "
                f"'Tiefe' has {len(depth.values)} on the same time grid"
            )
        if not same_grid:
            notes.append(f"{ch.name}: own time grid, interpolated onto the depth grid")
    start_raw = doc.get("startTimeOfProduction")
    start = _time(start_raw, "startTimeOfProduction", source) if start_raw else depth.start
    technique = doc.get("technique") if isinstance(doc.get("technique"), str) else None
    samples = _samples(depth, channels)
    return MedefPile(name.strip(), technique, start, samples, unmapped, notes)


def _samples(depth: _Channel, channels: dict[str, _Channel]) -> list[dict[str, Any]]:
    others = [c for f, c in channels.items() if f not in ("depth_m", "flow_l_min", "flow2_l_min")]
    flows = [c for f, c in channels.items() if f in ("flow_l_min", "flow2_l_min")]
    out: list[dict[str, Any]] = []
    for i, d in enumerate(depth.values):
        if d is None:
            continue
        t = depth.start + timedelta(seconds=i * depth.interval_s)
        parts = [v for v in (c.at(t) for c in flows) if v is not None]
        s: dict[str, Any] = {
            "seq": i,
            "t": format_time(t),
            "depth_m": round(d, 3),
            "flow_l_min": round(math.fsum(parts), 2) if parts else 0.0,
        }
        if not flows:
            s["flow_missing"] = True
        for c in others:
            v = c.at(t)
            if v is not None:
                s[c.field] = round(v, _ROUND.get(c.field, 3))
        out.append(s)
    return out


def medef_to_messages(
    pile: MedefPile, rig: str, site: str, boot: str, max_bytes: int = MAX_MESSAGE_BYTES
) -> list[dict[str, Any]]:
    """Telemetry payloads (contract §1) of a pile, each at most ``max_bytes`` as JSON.

    Publish them on ``pilewatch/v1/{site}/{rig}/telemetry``; ``site`` is checked only.
    """
    for what, ident in (("site", site), ("rig", rig)):
        if not ident or len(ident) > 64 or not all(c.isalnum() or c in "_-" for c in ident):
            raise ValueError(f"{what} {ident!r} must match [A-Za-z0-9_-]{{1,64}}")
    head = {"v": 1, "rig": rig, "pile": pile.name, "boot": boot, "samples": []}
    budget = max_bytes - len(json.dumps(head).encode()) - 16
    messages: list[dict[str, Any]] = []
    batch: list[dict[str, Any]] = []
    size = 0
    for s in pile.samples:
        n = len(json.dumps(s).encode()) + 2  # default separators: the larger encoding
        if batch and size + n > budget:
            messages.append({**head, "samples": batch})
            batch, size = [], 0
        batch.append(s)
        size += n
    if batch:
        messages.append({**head, "samples": batch})
    return messages


def medef_events(pile: MedefPile, rig: str, boot: str) -> list[dict[str, Any]]:
    """pile_start and pile_end events for an imported pile."""
    if not pile.samples:
        return []
    first, last = pile.samples[0], pile.samples[-1]
    deepest = max(float(s["depth_m"]) for s in pile.samples)
    base = {"v": 1, "rig": rig, "boot": boot, "pile": pile.name}
    return [
        {**base, "seq": 0, "t": first["t"], "type": "pile_start"},
        {**base, "seq": 1, "t": last["t"], "type": "pile_end", "depth_reached_m": deepest},
    ]


def build_medef(
    name: str,
    start: datetime,
    channels: Sequence[tuple[str, str, Sequence[float | None]]],
    interval_ms: int = 1000,
    technique: str = "SCM",
) -> dict[str, Any]:
    """A MEDEF v8 document from (seriesName, unit, values) triples, for tests and tools."""
    ts = start.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return {
        "name": name,
        "technique": technique,
        "startTimeOfProduction": ts,
        "medefVersion": 8,
        "operators": [],
        "events": [],
        "timeSeriesBlock": {
            "serialValuesFree": [
                {
                    "seriesName": n,
                    "startTime": ts,
                    "timeInterval": interval_ms,
                    "unitOfMeasurement": u,
                    "values": list(v),
                }
                for n, u, v in channels
            ]
        },
    }
