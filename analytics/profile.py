"""A pile's depth profile: per-bin totals (``DepthProfile``) and their per-metre view
(``DepthBin``, the contract §3 profile entry). Built by ``analytics.binning.depth_profile``."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from analytics.formulas import RigGeometry, mixing_factor
from analytics.series import FloatArray, IntArray


@dataclass(frozen=True, slots=True)
class DepthBin:
    top_m: float
    bottom_m: float
    cement_kg_m: float
    cement_down_kg_m: float
    cement_up_kg_m: float
    slurry_l_m: float
    blade_passes_per_m: float | None  # None without an rpm channel
    mixing_count: float | None
    max_withdrawal_m_min: float
    max_withdrawal_spraying_m_min: float
    max_penetration_m_min: float
    passes: int
    spraying_passes: int
    pressure_min_mpa: float | None
    pressure_max_mpa: float | None

    def to_dict(self) -> dict[str, float | int | None]:
        return {name: getattr(self, name) for name in self.__slots__}


@dataclass(frozen=True, slots=True, eq=False)
class DepthProfile:
    """Per-bin totals (arrays, one entry per bin); per-metre values are properties."""

    edges_m: FloatArray
    cement_kg: FloatArray
    cement_down_kg: FloatArray
    cement_up_kg: FloatArray
    slurry_l: FloatArray
    revolutions: FloatArray
    revolutions_with_slurry: FloatArray
    max_withdrawal_m_min: FloatArray
    max_withdrawal_spraying_m_min: FloatArray
    max_penetration_m_min: FloatArray
    passes: IntArray
    spraying_passes: IntArray
    pressure_min_mpa: FloatArray
    pressure_max_mpa: FloatArray
    geometry: RigGeometry
    cement_outside_kg: float
    slurry_outside_l: float
    # Data gaps (intervals longer than gap_s, no samples): the cement the bin would have
    # got with flow linear across them, and spraying passes made inside them. Neither is in
    # the totals above; checks use them to tell "no data" from a deficit.
    cement_gap_kg: FloatArray | None = None
    gap_spraying_passes: IntArray | None = None

    @property
    def bin_count(self) -> int:
        return int(self.edges_m.shape[0] - 1)

    @property
    def top_m(self) -> FloatArray:
        return self.edges_m[:-1]

    @property
    def bottom_m(self) -> FloatArray:
        return self.edges_m[1:]

    @property
    def length_m(self) -> FloatArray:
        return self.edges_m[1:] - self.edges_m[:-1]

    @property
    def cement_kg_m(self) -> FloatArray:
        return self.cement_kg / self.length_m

    @property
    def cement_down_kg_m(self) -> FloatArray:
        return self.cement_down_kg / self.length_m

    @property
    def cement_up_kg_m(self) -> FloatArray:
        return self.cement_up_kg / self.length_m

    @property
    def slurry_l_m(self) -> FloatArray:
        return self.slurry_l / self.length_m

    @property
    def blade_passes_per_m(self) -> FloatArray:
        return self.geometry.blades * self.revolutions_with_slurry / self.length_m

    @property
    def mixing_count(self) -> FloatArray:
        return mixing_factor(self.geometry) * self.revolutions / self.length_m

    @property
    def gap_cement_kg_m(self) -> FloatArray:
        """Cement per metre the bins would have got with flow linear across data gaps."""
        if self.cement_gap_kg is None:
            return np.zeros(self.bin_count)
        return self.cement_gap_kg / self.length_m

    @property
    def gap_passes(self) -> IntArray:
        if self.gap_spraying_passes is None:
            return np.zeros(self.bin_count, dtype=np.int64)
        return self.gap_spraying_passes

    @property
    def cement_total_kg(self) -> float:
        return float(self.cement_kg.sum())

    def bins(self) -> list[DepthBin]:
        cols = zip(
            self.top_m.tolist(),
            self.bottom_m.tolist(),
            self.cement_kg_m.tolist(),
            self.cement_down_kg_m.tolist(),
            self.cement_up_kg_m.tolist(),
            self.slurry_l_m.tolist(),
            _none_for_nan(self.blade_passes_per_m),
            _none_for_nan(self.mixing_count),
            self.max_withdrawal_m_min.tolist(),
            self.max_withdrawal_spraying_m_min.tolist(),
            self.max_penetration_m_min.tolist(),
            self.passes.tolist(),
            self.spraying_passes.tolist(),
            _none_for_nan(self.pressure_min_mpa),
            _none_for_nan(self.pressure_max_mpa),
            strict=True,
        )
        return [DepthBin(*row) for row in cols]


def _none_for_nan(arr: FloatArray) -> list[float | None]:
    return [None if math.isnan(x) else x for x in arr.tolist()]
