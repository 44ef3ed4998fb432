"""Per-metre score of a deployed Chinese platform (domain §3; a reference, not a standard).

Each 1 m segment (``segment_m``) scores binder 100 at cement ≥ reference, 0 at ≤ 75% of it,
linear between; mixing 100 at M ≥ 20 and, below that, proportionally (100 · M / 20 — the
source only gives the 100 point, so this is our choice); segment = 0.6 · binder + 0.4 ·
mixing. The pile score is the length-weighted mean of its segments; grade A ≥ 90, B ≥ 70,
else C (without rotation data a segment scores on binder alone). Segments are built from
bins by the bin's top depth, so with 0.5 m bins two bins make a segment; cement per metre of
a segment is its total cement over its length, M likewise.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from analytics.binning import DepthProfile
from analytics.series import FloatArray


class ScoringError(ValueError):
    def __init__(self, name: str, value: object, reason: str) -> None:
        self.name = name
        self.value = value
        super().__init__(f"{name} = {value!r}: {reason}")


@dataclass(frozen=True, slots=True)
class PileScore:
    score: float | None
    grade: str | None
    segment_top_m: FloatArray
    segment_cement_kg_m: FloatArray
    segment_mixing_count: FloatArray
    segment_score: FloatArray


def binder_score(
    cement_kg_m: FloatArray, reference_kg_m: float = 55.0, zero_fraction: float = 0.75
) -> FloatArray:
    low = zero_fraction * reference_kg_m
    return np.clip((cement_kg_m - low) / (reference_kg_m - low) * 100.0, 0.0, 100.0)


def mixing_score(mixing_count: FloatArray, required: float = 20.0) -> FloatArray:
    return np.clip(mixing_count / required * 100.0, 0.0, 100.0)


def grade(score: float) -> str:
    return "A" if score >= 90.0 else "B" if score >= 70.0 else "C"


def score_profile(
    profile: DepthProfile,
    reference_kg_m: float = 55.0,
    segment_m: float = 1.0,
    required_mixing: float = 20.0,
) -> PileScore:
    if not reference_kg_m > 0:
        raise ScoringError("reference_kg_m", reference_kg_m, "must be > 0")
    if not segment_m > 0:
        raise ScoringError("segment_m", segment_m, "must be > 0")
    empty = np.zeros(0)
    if profile.bin_count == 0:
        return PileScore(None, None, empty, empty, empty, empty)
    raw = np.floor(profile.top_m / segment_m + 1e-9).astype(np.int64)
    # bins are ordered from the top, so segment numbers never decrease: renumber 0, 1, …
    new_seg = np.empty(raw.shape[0], dtype=bool)
    new_seg[0] = True
    new_seg[1:] = raw[1:] != raw[:-1]
    seg = np.cumsum(new_seg) - 1
    length = np.bincount(seg, profile.length_m)
    top = profile.top_m[new_seg]
    cement = np.bincount(seg, profile.cement_kg) / length
    mixing = np.bincount(seg, profile.mixing_count * profile.length_m) / length
    binder = binder_score(cement, reference_kg_m)
    mixed = mixing_score(mixing, required_mixing)
    # without rotation data the mixing part is unknown: the segment scores on binder alone
    segment = np.where(np.isnan(mixed), binder, 0.6 * binder + 0.4 * mixed)
    score = float(np.sum(segment * length) / np.sum(length))
    return PileScore(score, grade(score), top, cement, mixing, segment)
