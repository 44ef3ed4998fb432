import json

import numpy as np

from analytics.formulas import RigGeometry
from analytics.profile import DepthProfile


def test_per_metre_views_and_json_safe_bins() -> None:
    # bins 0–0.5 and 0.5–1.2 m (a merged last bin): 10 kg and 14 kg → 20 and 20 kg/m;
    # 20 revolutions with slurry over 0.5 m, 4 blades → T = 160 per m; M = 0.1·4·40 = 16
    z = np.zeros(2)
    p = DepthProfile(
        np.array([0.0, 0.5, 1.2]),
        np.array([10.0, 14.0]),
        np.array([10.0, 0.0]),
        np.array([0.0, 14.0]),
        np.array([12.0, 7.0]),
        np.array([20.0, 0.0]),
        np.array([20.0, 0.0]),
        z,
        z,
        z,
        np.array([2, 1]),
        np.array([2, 0]),
        np.array([0.4, np.nan]),
        np.array([0.5, np.nan]),
        RigGeometry(0.1, 0.0, 4),
        0.0,
        0.0,
    )
    assert p.length_m.tolist() == [0.5, 0.7]
    assert np.allclose(p.cement_kg_m, [20.0, 20.0])
    assert np.allclose(p.slurry_l_m, [24.0, 10.0])
    assert np.allclose(p.blade_passes_per_m, [160.0, 0.0])
    assert np.allclose(p.mixing_count, [16.0, 0.0])
    assert p.cement_total_kg == 24.0
    bins = p.bins()
    assert bins[1].pressure_min_mpa is None
    json.dumps([b.to_dict() for b in bins], allow_nan=False)  # no NaN in the profile JSON
