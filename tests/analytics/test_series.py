from datetime import UTC, datetime

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analytics.series import PileSeries, SeriesError


def _samples(n: int = 5) -> list[dict[str, object]]:
    return [
        {
            "seq": 100 + i,
            "t": f"2026-11-22T08:15:0{i}.000Z",
            "depth_m": 0.1 * i,
            "flow_l_min": 40.0,
            "rpm": 48.0,
        }
        for i in range(n)
    ]


def test_from_samples_reads_contract_shape() -> None:
    s = PileSeries.from_samples(_samples(), boot="b1")
    assert len(s) == 5
    assert s.t_s.tolist() == [0.0, 1.0, 2.0, 3.0, 4.0]
    assert s.start == datetime(2026, 11, 22, 8, 15, 0, tzinfo=UTC)
    assert np.all(np.isnan(s.pressure_mpa))  # optional channel absent → NaN
    assert s.rpm.tolist() == [48.0] * 5


def test_out_of_order_and_duplicates() -> None:
    rows = _samples()
    shuffled = [rows[3], rows[0], rows[4], rows[1], rows[2], rows[3]]  # one duplicate
    s = PileSeries.from_samples(shuffled)
    assert s.seq.tolist() == [100, 101, 102, 103, 104]
    assert s.duplicates_removed == 1
    # arrivals after a later stamp: rows 0 (after 3), 1, 2 (after 4), the repeated 3 → 4
    assert s.out_of_order == 4


def test_datetime_objects_and_boots() -> None:
    rows = [
        {
            "seq": 1,
            "t": datetime(2026, 1, 1, 0, 0, 1, tzinfo=UTC),
            "depth_m": 1.0,
            "flow_l_min": 1.0,
            "boot": "a",
        },
        {
            "seq": 1,
            "t": datetime(2026, 1, 1, 0, 0, 2, tzinfo=UTC),
            "depth_m": 2.0,
            "flow_l_min": 1.0,
            "boot": "b",
        },
    ]
    s = PileSeries.from_samples(rows)
    assert len(s) == 2  # same seq, different boot: two samples
    assert s.boots == ("a", "b")


@pytest.mark.parametrize(
    ("row", "key"),
    [
        ({"seq": 1, "depth_m": 1.0, "flow_l_min": 0.0}, "t"),
        ({"seq": 1, "t": "2026-01-01T00:00:00", "depth_m": 1.0, "flow_l_min": 0.0}, "t"),
        ({"seq": 1, "t": "yesterday", "depth_m": 1.0, "flow_l_min": 0.0}, "t"),
        ({"seq": 1, "t": "2026-01-01T00:00:00Z", "depth_m": "deep", "flow_l_min": 0.0}, "depth_m"),
        ({"seq": 1.5, "t": "2026-01-01T00:00:00Z", "depth_m": 1.0, "flow_l_min": 0.0}, "seq"),
    ],
)
def test_bad_samples_raise_with_the_value(row: dict[str, object], key: str) -> None:
    with pytest.raises(SeriesError) as err:
        PileSeries.from_samples([row])
    assert err.value.key == key
    assert err.value.index == 0


def test_from_payloads_and_take() -> None:
    s = PileSeries.from_payloads([{"boot": "x", "samples": _samples(3)}])
    assert s.boots == ("x",)
    assert len(s.take(s.depth_m > 0.05)) == 2


def test_from_arrays_length_mismatch() -> None:
    with pytest.raises(SeriesError):
        PileSeries.from_arrays([0, 1, 2], [0, 1], [0, 0, 0])


@settings(max_examples=30, deadline=None)
@given(st.permutations(list(range(12))))
def test_arrival_order_does_not_matter(perm: list[int]) -> None:
    rows = [
        {
            "seq": i,
            "t": f"2026-11-22T08:15:{i:02d}Z",
            "depth_m": 0.3 * i,
            "flow_l_min": i,
            "rpm": 40.0,
        }
        for i in range(12)
    ]
    a = PileSeries.from_samples(rows)
    b = PileSeries.from_samples([rows[i] for i in perm])
    for name in ("t_s", "depth_m", "flow_l_min", "seq"):
        assert np.array_equal(getattr(a, name), getattr(b, name))
