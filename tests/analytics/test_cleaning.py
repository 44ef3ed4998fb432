import numpy as np
import pytest

from analytics.cleaning import CleaningConfig, CleaningError, clean_series
from analytics.series import PileSeries


def _series(n: int = 200, **over: object) -> PileSeries:
    t = np.arange(float(n))
    d = t / 60.0  # 1 m/min
    args: dict[str, object] = {
        "rpm": 50.0,
        "density_kg_l": 1.5,
        "wc": 0.5,
        "pressure_mpa": 0.45 + 0.01 * np.sin(t),
    }
    args.update(over)
    return PileSeries.from_arrays(t, d, np.full(n, 40.0), **args)  # type: ignore[arg-type]


def test_clean_data_gives_no_steps() -> None:
    out = clean_series(_series())
    assert out.steps == []
    assert np.array_equal(out.series.depth_m, _series().depth_m)


def test_depth_spike_is_replaced_and_reported() -> None:
    s = _series()
    d = s.depth_m.copy()
    d[50] = 9.0  # the tool cannot jump from 0.83 m to 9 m and back in 2 s
    out = clean_series(s.with_channels(depth_m=d))
    assert [st.kind for st in out.steps] == ["spike"]
    assert out.steps[0].count == 1
    assert out.series.depth_m[50] == pytest.approx(50 / 60.0)


def test_sentinels_negative_and_missing_flow() -> None:
    s = _series()
    q = s.flow_l_min.copy()
    q[10] = -3.0
    q[11] = np.nan
    q[12] = -9999.0
    out = clean_series(s.with_channels(flow_l_min=q))
    kinds = {st.kind: st.count for st in out.steps}
    assert kinds == {"out_of_range": 1, "flow_negative": 1, "flow_missing": 2}
    assert out.series.flow_l_min[10:13].tolist() == [0.0, 0.0, 0.0]


def test_missing_density_and_wc_take_design_values() -> None:
    s = _series(density_kg_l=None, wc=None)
    out = clean_series(s, design_density_kg_l=1.6, design_wc=0.6)
    kinds = {st.kind: st.count for st in out.steps}
    assert kinds == {"density_default": 200, "wc_default": 200}
    assert np.all(out.series.density_kg_l == 1.6)
    assert "mix design value 1.6 kg/L" in out.steps[0].detail
    fallback = clean_series(s)
    assert np.all(fallback.series.wc == 0.55)


def test_stuck_pressure_becomes_missing() -> None:
    s = _series(pressure_mpa=0.45)  # 200 identical readings while the tool moves 3.3 m
    out = clean_series(s, config=CleaningConfig(stuck_min_samples=120))
    assert [(st.kind, st.channel, st.count) for st in out.steps] == [("stuck", "pressure_mpa", 200)]
    assert np.all(np.isnan(out.series.pressure_mpa))


def test_gap_and_counter_reset_are_reported() -> None:
    t = np.r_[np.arange(0.0, 10.0), np.arange(40.0, 50.0)]
    seq = np.r_[np.arange(10), np.arange(10)]  # counter restarted
    s = PileSeries.from_arrays(
        t, t / 60, np.full(20, 30.0), seq=seq, density_kg_l=1.5, wc=0.5, rpm=40.0
    )
    out = clean_series(s)
    kinds = {st.kind: st.count for st in out.steps}
    assert kinds == {"counter_reset": 1, "gap": 1}
    assert "31 s" in next(st.detail for st in out.steps if st.kind == "gap")


def test_bad_config_names_the_value() -> None:
    with pytest.raises(CleaningError, match="spike_window = 4"):
        CleaningConfig(spike_window=4)


def test_build_steps_and_missing_rpm_are_reported() -> None:
    rows = [
        {
            "seq": i,
            "t": f"2026-01-01T00:00:{i:02d}Z",
            "depth_m": i / 60,
            "flow_l_min": 30.0,
            "density_kg_l": 1.5,
            "wc": 0.5,
        }
        for i in range(10)
    ]
    s = PileSeries.from_samples([rows[1], rows[0], *rows[2:], rows[5]])
    kinds = {st.kind: st.count for st in clean_series(s).steps}
    # one duplicate, two late arrivals (row 0 after row 1; the repeated row 5), no rpm at all
    assert kinds == {"duplicate": 1, "out_of_order": 2, "rpm_missing": 10}
