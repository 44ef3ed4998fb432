"""Parsing and validating a site plan CSV (contract §2), naming the row and field of each error."""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass

PLAN_COLUMNS = (
    "pile",
    "x_m",
    "y_m",
    "design_length_m",
    "diameter_m",
    "design_cement_kg_m",
    "wc",
    "density_kg_l",
    "blades",
    "process",
)
PROCESS_PATTERN = re.compile(r"^(\d+)S(\d+)P$")


@dataclass(frozen=True, slots=True)
class PlannedPile:
    pile: str
    x_m: float
    y_m: float
    design_length_m: float
    diameter_m: float
    design_cement_kg_m: float
    wc: float
    density_kg_l: float
    blades: int
    process: str

    @property
    def mixing_passes(self) -> int:
        """Mixing passes the process asks for (4S2P: four)."""
        return process_passes(self.process)[0]

    @property
    def spraying_passes(self) -> int:
        return process_passes(self.process)[1]


@dataclass(frozen=True, slots=True)
class PlanRowError:
    row: int  # 1-based line number in the file, header is line 1
    field: str
    value: str
    reason: str

    def __str__(self) -> str:
        return f"row {self.row}, field {self.field!r} = {self.value!r}: {self.reason}"


class PlanError(ValueError):
    def __init__(self, errors: list[PlanRowError]) -> None:
        self.errors = errors
        shown = "; ".join(str(e) for e in errors[:20])
        more = f" (and {len(errors) - 20} more)" if len(errors) > 20 else ""
        super().__init__(f"site plan has {len(errors)} error(s): {shown}{more}")


def process_passes(process: str) -> tuple[int, int]:
    """(mixing passes, spraying passes) of a process code such as 4S2P (四搅两喷)."""
    match = PROCESS_PATTERN.match(process)
    if match is None:
        raise ValueError(f"process {process!r} is not of the form <mixing>S<spraying>P, e.g. 4S2P")
    return int(match.group(1)), int(match.group(2))


_BOUNDS: dict[str, tuple[float, float]] = {
    "x_m": (-1e7, 1e7),
    "y_m": (-1e7, 1e7),
    "design_length_m": (0.5, 100.0),
    "diameter_m": (0.1, 5.0),
    "design_cement_kg_m": (1.0, 2000.0),
    "wc": (0.2, 3.0),
    "density_kg_l": (1.0, 2.5),
}


def parse_plan_csv(text: str) -> list[PlannedPile]:
    """Every row validated; all errors are collected and raised together as a PlanError."""
    if text.startswith("\ufeff"):
        text = text[1:]
    reader = csv.reader(io.StringIO(text))
    errors: list[PlanRowError] = []
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise PlanError([PlanRowError(1, "header", "", "the file is empty")]) from None
    missing = [c for c in PLAN_COLUMNS if c not in header]
    if missing:
        raise PlanError(
            [
                PlanRowError(
                    1, "header", ",".join(header), f"missing column(s): {', '.join(missing)}"
                )
            ]
        )
    index = {name: header.index(name) for name in PLAN_COLUMNS}
    piles: list[PlannedPile] = []
    seen: dict[str, int] = {}
    for line_no, row in enumerate(reader, start=2):
        if not row or all(not cell.strip() for cell in row):
            continue
        if len(row) < len(header):
            errors.append(
                PlanRowError(
                    line_no, "row", ",".join(row), f"{len(row)} fields, need {len(header)}"
                )
            )
            continue
        row_errors: list[PlanRowError] = []
        values: dict[str, float] = {}
        pile = row[index["pile"]].strip()
        if not pile or not pile.isprintable() or len(pile) > 128:
            row_errors.append(
                PlanRowError(line_no, "pile", pile, "must be 1-128 printable characters")
            )
        elif pile in seen:
            row_errors.append(PlanRowError(line_no, "pile", pile, f"duplicate of row {seen[pile]}"))
        for name, (low, high) in _BOUNDS.items():
            raw = row[index[name]].strip()
            try:
                number = float(raw)
            except ValueError:
                row_errors.append(PlanRowError(line_no, name, raw, "not a number"))
                continue
            if not math.isfinite(number) or not low <= number <= high:
                row_errors.append(
                    PlanRowError(line_no, name, raw, f"must be between {low:g} and {high:g}")
                )
                continue
            values[name] = number
        blades_raw = row[index["blades"]].strip()
        blades = 0
        try:
            blades = int(blades_raw)
            if not 1 <= blades <= 64:
                row_errors.append(PlanRowError(line_no, "blades", blades_raw, "must be 1 to 64"))
        except ValueError:
            row_errors.append(PlanRowError(line_no, "blades", blades_raw, "not an integer"))
        process = row[index["process"]].strip().upper()
        if PROCESS_PATTERN.match(process) is None:
            row_errors.append(
                PlanRowError(
                    line_no,
                    "process",
                    row[index["process"]],
                    "must be <mixing>S<spraying>P, e.g. 4S2P",
                )
            )
        if row_errors:
            errors.extend(row_errors)
            continue
        seen[pile] = line_no
        piles.append(
            PlannedPile(
                pile=pile,
                x_m=values["x_m"],
                y_m=values["y_m"],
                design_length_m=values["design_length_m"],
                diameter_m=values["diameter_m"],
                design_cement_kg_m=values["design_cement_kg_m"],
                wc=values["wc"],
                density_kg_l=values["density_kg_l"],
                blades=blades,
                process=process,
            )
        )
    if errors:
        raise PlanError(errors)
    return piles


def plan_to_csv(piles: list[PlannedPile]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(PLAN_COLUMNS)
    for p in piles:
        writer.writerow(
            [
                p.pile,
                f"{p.x_m:g}",
                f"{p.y_m:g}",
                f"{p.design_length_m:g}",
                f"{p.diameter_m:g}",
                f"{p.design_cement_kg_m:g}",
                f"{p.wc:g}",
                f"{p.density_kg_l:g}",
                p.blades,
                p.process,
            ]
        )
    return out.getvalue()
