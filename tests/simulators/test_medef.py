from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from simulators.medef import (
    MAX_MESSAGE_BYTES,
    MedefError,
    build_medef,
    load_medef,
    medef_events,
    medef_to_messages,
    parse_medef,
)

START = datetime(2024, 5, 2, 8, 0, tzinfo=UTC)


def _doc(n: int = 20) -> dict:
    return build_medef(
        "P-0042",
        START,
        [
            ("Tiefe", "cm", [i * 1.5 for i in range(n)]),
            ("Susp.-Durchfl.", "m3/h", [2.4] * n),  # 40 l/min
            ("Susp.-Durchfl.2", "l/min", [10.0] * n),
            ("Susp.-Druck", "kPa", [500.0] * n),  # 0.5 MPa
            ("Drehzahl", "U/min", [30.0] * n),
            ("Vorschubgeschwindigkeit", "cm/min", [90.0] * n),
            ("Susp.-Mg1+2", "m³", [0.001 * i for i in range(n)]),
            ("Neigung X Mast", "°", [0.1] * n),
            ("Neigung Y Mast", "deg", [-0.2] * n),
            ("Drehmoment", "kNm", [12.0] * n),
            ("Menge pro Meter", "l/m", [60.0] * n),
            ("Drehrate", "U/m", [40.0] * n),
            ("Temperatur", "°C", [20.0] * n),
        ],
    )


def test_units_honoured(tmp_path) -> None:
    path = tmp_path / "p.json"
    path.write_text(json.dumps(_doc()))
    pile = load_medef(path)
    assert pile.name == "P-0042" and pile.technique == "SCM" and pile.start == START
    assert pile.unmapped_channels == ["Temperatur"]
    s = pile.samples[2]
    assert s["seq"] == 2 and s["t"] == "2024-05-02T08:00:02.000Z"
    assert s["depth_m"] == pytest.approx(0.03)
    assert s["flow_l_min"] == pytest.approx(50.0)
    assert s["pressure_mpa"] == pytest.approx(0.5)
    assert s["rpm"] == 30.0 and s["speed_m_min"] == pytest.approx(0.9)
    assert s["slurry_total_l"] == pytest.approx(2.0)
    assert s["tilt_x_deg"] == 0.1 and s["tilt_y_deg"] == -0.2
    assert s["torque_knm"] == 12.0 and s["slurry_l_m"] == 60.0 and s["rev_per_m"] == 40.0
    assert any("m3/h" in n for n in pile.notes)


def test_channel_with_own_start_and_interval_is_interpolated() -> None:
    doc = build_medef("P1", START, [("Tiefe", "m", [0.0, 1.0, 2.0, 3.0, 4.0])])
    doc["timeSeriesBlock"]["serialValuesFree"].append(
        {
            "seriesName": "Susp.-Druck",
            "unitOfMeasurement": "bar",
            "timeInterval": 2000,
            "startTime": (START + timedelta(seconds=1)).isoformat(),
            "values": [4.0, 6.0],
        }
    )
    pile = parse_medef(json.dumps(doc))
    assert "pressure_mpa" not in pile.samples[0]  # before the channel starts
    assert pile.samples[1]["pressure_mpa"] == pytest.approx(0.4)
    assert pile.samples[2]["pressure_mpa"] == pytest.approx(0.5)
    assert pile.samples[3]["pressure_mpa"] == pytest.approx(0.6)
    assert "pressure_mpa" not in pile.samples[4]


def _write(tmp_path, content) -> str:
    path = tmp_path / "broken.json"
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return str(path)


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: "{not json", "not JSON"),
        (lambda d: {k: v for k, v in d.items() if k != "name"}, "missing element name"),
        (
            lambda d: {
                **d,
                "timeSeriesBlock": {
                    "serialValuesFree": d["timeSeriesBlock"]["serialValuesFree"][1:]
                },
            },
            "no depth channel",
        ),
        (lambda d: _set(d, 1, "unitOfMeasurement", "gallons/fortnight"), "unknown unit"),
        (lambda d: _set(d, 2, "values", [1.0]), "mismatched lengths"),
        (lambda d: _set(d, 3, "values", ["x"] * 20), "not a number"),
        (lambda d: _set(d, 0, "timeInterval", 0), "bad timeInterval"),
        (lambda d: [1, 2], "not a JSON object"),
    ],
)
def test_broken_files_name_the_file_and_the_problem(tmp_path, mutate, message) -> None:
    path = _write(tmp_path, mutate(_doc()))
    with pytest.raises(MedefError, match=message) as err:
        load_medef(path)
    assert "broken.json" in str(err.value)


def _set(doc: dict, index: int, key: str, value) -> dict:
    doc["timeSeriesBlock"]["serialValuesFree"][index][key] = value
    return doc


def test_messages_within_size_limit_and_complete() -> None:
    pile = parse_medef(json.dumps(_doc(6000)))
    messages = medef_to_messages(pile, "R07", "S1", "medef1")
    assert len(messages) > 1
    for m in messages:
        assert len(json.dumps(m).encode()) <= MAX_MESSAGE_BYTES
        assert m["v"] == 1 and m["rig"] == "R07" and m["pile"] == "P-0042"
    seqs = [s["seq"] for m in messages for s in m["samples"]]
    assert seqs == list(range(6000))
    events = medef_events(pile, "R07", "medef1")
    assert [e["type"] for e in events] == ["pile_start", "pile_end"]
    with pytest.raises(ValueError):
        medef_to_messages(pile, "R 07", "S1", "b")
