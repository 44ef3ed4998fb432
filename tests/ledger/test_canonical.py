from __future__ import annotations

import unicodedata
from decimal import Decimal
from typing import Any

import pytest
import rfc8785

from ledger.canonical import (
    BadKey,
    FloatNotAllowed,
    IntegerOutOfRange,
    NotFixedPoint,
    UnsupportedType,
    canonical_record_bytes,
    grams_from_kg,
    millimetres_from_metres,
    milliseconds,
    normalise,
    to_fixed,
)


def test_rfc8785_section_3_2_2_example() -> None:
    example: dict[str, Any] = {
        "numbers": [333333333.33333329, 1e30, 4.50, 2e-3, 0.000000000000000000000000001],
        "string": "\u20ac$\u000f\u000aA'\u0042\u0022\u005c\\\"/",
        "literals": [None, True, False],
    }
    want = (
        '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],'
        '"string":"\u20ac$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}'
    )
    assert rfc8785.dumps(example) == want.encode("utf-8")
    with pytest.raises(FloatNotAllowed) as err:
        canonical_record_bytes(example)
    assert err.value.path == "$.numbers[0]"


def test_example_without_floats() -> None:
    record = {"string": '\u20ac$\u000f\nA\'B"\\\\"/', "literals": [None, True, False], "n": -7}
    assert canonical_record_bytes(record) == (
        '{"literals":[null,true,false],"n":-7,"string":"\u20ac$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}'
    ).encode("utf-8")


def test_sorting_and_nfc() -> None:
    decomposed = unicodedata.normalize("NFD", "桩号 é")
    assert decomposed != "桩号 é"
    a = canonical_record_bytes({"b": 1, "a": [decomposed, {"é": decomposed}]})
    b = canonical_record_bytes({"a": ["桩号 é", {"\u00e9": "桩号 é"}], "b": 1})
    assert a == b == '{"a":["桩号 é",{"é":"桩号 é"}],"b":1}'.encode()


@pytest.mark.parametrize(
    ("obj", "exc", "path"),
    [
        ({"a": {"b": [1, 2.5]}}, FloatNotAllowed, "$.a.b[1]"),
        ({"a": 2**53}, IntegerOutOfRange, "$.a"),
        ({1: "x"}, BadKey, "$"),
        ({"e\u0301": 1, "\u00e9": 2}, BadKey, "$"),
        ({"a": {1, 2}}, UnsupportedType, "$.a"),
        ({"a": b"bytes"}, UnsupportedType, "$.a"),
        ({"a": Decimal("1.5")}, UnsupportedType, "$.a"),
        ({"a": "\ud800"}, Exception, "$.a"),
    ],
)
def test_walker_refuses(obj: object, exc: type[Exception], path: str) -> None:
    with pytest.raises(exc) as err:
        canonical_record_bytes(obj)
    assert getattr(err.value, "path", None) == path


def test_tuples_become_lists_and_bools_stay_bools() -> None:
    assert normalise((1, True, None)) == [1, True, None]
    assert canonical_record_bytes({"ok": True, "n": 0}) == b'{"n":0,"ok":true}'


def test_fixed_units_half_even() -> None:
    assert grams_from_kg(12.3456) == 12346
    assert grams_from_kg("0.0125") == 12  # half to even, down
    assert grams_from_kg("0.0135") == 14  # half to even, up
    assert grams_from_kg(0.0125) == 12  # float read as its shortest decimal
    assert millimetres_from_metres(Decimal("-1.0005")) == -1000
    assert millimetres_from_metres(18) == 18000
    assert milliseconds(1.5) == 1500
    assert milliseconds("0.0005") == 0
    assert to_fixed("2.5", 0) == 2 and to_fixed("3.5", 0) == 4
    assert to_fixed("1e40", 3) == 10**43


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), "abc", "NaN", True, None])
def test_fixed_units_refuse(bad: object) -> None:
    with pytest.raises(NotFixedPoint):
        to_fixed(bad, 3)  # type: ignore[arg-type]
