"""A pile's telemetry as NumPy arrays, built from samples in the MQTT contract shape (§1).

Samples are sorted by the rig's clock, so the order in which they arrived does not matter.
A sample is identified by (boot, seq): the same pair delivered twice is kept once (the copy
with the earliest time, so the choice does not depend on arrival order either).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

REQUIRED_CHANNELS = ("depth_m", "flow_l_min")
OPTIONAL_CHANNELS = (
    "rpm",
    "density_kg_l",
    "wc",
    "pressure_mpa",
    "current_a",
    "tilt_x_deg",
    "tilt_y_deg",
)
CHANNELS = REQUIRED_CHANNELS + OPTIONAL_CHANNELS


class SeriesError(ValueError):
    """A sample that cannot be read; names the sample index, the key and the offending value."""

    def __init__(self, message: str, *, index: int | None = None, key: str = "", value: Any = None):
        self.index = index
        self.key = key
        self.value = value
        where = f"sample {index}, " if index is not None else ""
        super().__init__(f"{where}{key} = {value!r}: {message}" if key else f"{where}{message}")


@dataclass(frozen=True, slots=True, eq=False)
class PileSeries:
    """Time-ordered samples of one pile. Optional channels hold NaN where absent.

    ``t_s`` is seconds since ``start`` (the earliest sample). ``boot`` indexes ``boots``.
    ``duplicates_removed`` and ``out_of_order`` record what building the series did, so that
    cleaning can report it.
    """

    t_s: FloatArray
    depth_m: FloatArray
    flow_l_min: FloatArray
    rpm: FloatArray
    density_kg_l: FloatArray
    wc: FloatArray
    pressure_mpa: FloatArray
    current_a: FloatArray
    tilt_x_deg: FloatArray
    tilt_y_deg: FloatArray
    seq: IntArray
    boot: IntArray
    boots: tuple[str, ...] = ("",)
    start: datetime | None = None
    duplicates_removed: int = 0
    out_of_order: int = 0

    def __post_init__(self) -> None:
        n = self.t_s.shape[0]
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, np.ndarray) and value.shape != (n,):
                raise SeriesError(
                    f"length {value.shape} differs from t_s length {n}", key=f.name, value=None
                )

    def __len__(self) -> int:
        return int(self.t_s.shape[0])

    def channel(self, name: str) -> FloatArray:
        if name not in CHANNELS:
            raise SeriesError(
                f"unknown channel, expected one of {CHANNELS}", key="channel", value=name
            )
        arr: FloatArray = getattr(self, name)
        return arr

    def with_channels(self, **arrays: FloatArray) -> PileSeries:
        """A copy with some channels replaced (arrays of the same length)."""
        changes: dict[str, Any] = dict(arrays)
        return replace(self, **changes)

    def take(self, index: ArrayLike) -> PileSeries:
        """A copy holding only the samples at ``index`` (indices or a boolean mask)."""
        idx = np.asarray(index)
        changes: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, np.ndarray):
                changes[f.name] = value[idx]
        return replace(self, **changes)

    @classmethod
    def from_arrays(
        cls,
        t_s: ArrayLike,
        depth_m: ArrayLike,
        flow_l_min: ArrayLike,
        *,
        seq: ArrayLike | None = None,
        start: datetime | None = None,
        **optional: ArrayLike | None,
    ) -> PileSeries:
        """Build from arrays (seconds, metres, L/min, …). Samples are sorted by time."""
        unknown = set(optional) - set(OPTIONAL_CHANNELS)
        if unknown:
            raise SeriesError("unknown channel", key="channel", value=sorted(unknown))
        t = np.asarray(t_s, dtype=np.float64)
        n = t.shape[0]
        if not np.all(np.isfinite(t)):
            bad = int(np.flatnonzero(~np.isfinite(t))[0])
            raise SeriesError("time must be finite", index=bad, key="t_s", value=float(t[bad]))
        arrays: dict[str, Any] = {
            "depth_m": np.asarray(depth_m, dtype=np.float64),
            "flow_l_min": np.asarray(flow_l_min, dtype=np.float64),
        }
        for name in OPTIONAL_CHANNELS:
            given = optional.get(name)
            arrays[name] = (
                np.full(n, np.nan) if given is None else np.asarray(given, dtype=np.float64)
            )
            if arrays[name].ndim == 0:
                arrays[name] = np.full(n, float(arrays[name]))
        seq_arr = np.arange(n, dtype=np.int64) if seq is None else np.asarray(seq, dtype=np.int64)
        for name, arr in (*arrays.items(), ("seq", seq_arr)):
            if arr.shape != (n,):
                raise SeriesError(
                    f"length {arr.shape} differs from t_s length {n}", key=name, value=arr.shape
                )
        order = np.argsort(t, kind="stable")
        t0 = float(t[order[0]]) if n else 0.0
        return cls(
            t_s=t[order] - t0,
            seq=seq_arr[order],
            boot=np.zeros(n, dtype=np.int64),
            start=start + timedelta(seconds=t0) if start is not None else None,
            out_of_order=_count_out_of_order(t),
            **{k: v[order] for k, v in arrays.items()},
        )

    @classmethod
    def from_samples(cls, samples: Iterable[Mapping[str, Any]], boot: str = "") -> PileSeries:
        """Build from sample dicts (seq, t, depth_m, flow_l_min, …); a sample's own ``boot``
        key, if present, overrides ``boot``."""
        rows = list(samples)
        n = len(rows)
        for i, row in enumerate(rows):
            for key in ("seq", "t", *REQUIRED_CHANNELS):
                if key not in row or row[key] is None:
                    raise SeriesError("required key missing", index=i, key=key, value=None)
        epoch = np.array([_epoch_s(row["t"], i) for i, row in enumerate(rows)], dtype=np.float64)
        seq = np.array([_int(row["seq"], i, "seq") for i, row in enumerate(rows)], dtype=np.int64)
        boot_names = [str(row.get("boot", boot)) for row in rows]
        boots = tuple(sorted(set(boot_names))) or (boot,)
        boot_index = {name: k for k, name in enumerate(boots)}
        boot_arr = np.array([boot_index[b] for b in boot_names], dtype=np.int64)
        values = {
            name: np.array([_float(row.get(name), i, name) for i, row in enumerate(rows)])
            for name in CHANNELS
        }
        out_of_order = _count_out_of_order(epoch)
        # Keep one copy per (boot, seq): the earliest in time, ties broken by channel values.
        by_id = np.lexsort((epoch, seq, boot_arr))
        keep = np.ones(n, dtype=bool)
        if n > 1:
            same = (np.diff(boot_arr[by_id]) == 0) & (np.diff(seq[by_id]) == 0)
            keep[1:] = ~same
        kept = by_id[keep]
        order = kept[np.lexsort((seq[kept], boot_arr[kept], epoch[kept]))]
        t0 = float(epoch[order[0]]) if n else 0.0
        return cls(
            t_s=epoch[order] - t0,
            seq=seq[order],
            boot=boot_arr[order],
            boots=boots,
            start=datetime.fromtimestamp(t0, tz=UTC) if n else None,
            duplicates_removed=int(n - kept.shape[0]),
            out_of_order=out_of_order,
            **{k: v[order].astype(np.float64) for k, v in values.items()},
        )

    @classmethod
    def from_payloads(cls, payloads: Iterable[Mapping[str, Any]]) -> PileSeries:
        """Build from telemetry payloads (each with ``boot`` and ``samples``)."""
        rows: list[Mapping[str, Any]] = []
        for p in payloads:
            boot = str(p.get("boot", ""))
            rows.extend({"boot": boot, **s} for s in p.get("samples", []))
        return cls.from_samples(rows)


def _count_out_of_order(arrival_t: FloatArray) -> int:
    """Samples that arrived after a later-stamped one."""
    if arrival_t.shape[0] < 2:
        return 0
    running_max = np.maximum.accumulate(arrival_t)
    return int(np.count_nonzero(arrival_t[1:] < running_max[:-1]))


def _epoch_s(value: Any, index: int) -> float:
    if isinstance(value, datetime):
        stamp = value
    elif isinstance(value, str):
        try:
            stamp = datetime.fromisoformat(value)
        except ValueError:
            raise SeriesError("not an RFC 3339 time", index=index, key="t", value=value) from None
    else:
        raise SeriesError(
            "time must be a datetime or RFC 3339 string", index=index, key="t", value=value
        )
    if stamp.tzinfo is None:
        raise SeriesError(
            "time has no zone (RFC 3339 needs one)", index=index, key="t", value=value
        )
    return stamp.timestamp()


def _int(value: Any, index: int, key: str) -> int:
    ok = isinstance(value, int) or (isinstance(value, float) and value.is_integer())
    if isinstance(value, bool) or not ok:
        raise SeriesError("must be an integer", index=index, key=key, value=value)
    return int(value)


def _float(value: Any, index: int, key: str) -> float:
    if value is None:
        return float("nan")
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise SeriesError("must be a number or null", index=index, key=key, value=value)
    return float(value)
