"""Canonical record bytes (RFC 8785 JSON Canonicalization Scheme) and fixed-unit helpers.

Records hold integers in fixed units (grams, millimetres, milliseconds), never floats:
binary floats do not round-trip through every JSON stack, so the walker refuses them.
Every string (keys included) is NFC-normalised before encoding, so the same text typed
on two systems seals to the same bytes.
"""

from __future__ import annotations

import math
import unicodedata
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation, localcontext
from typing import Final

import rfc8785

#: Rounding used by every fixed-unit conversion: half to even ("banker's rounding").
ROUNDING: Final = ROUND_HALF_EVEN
MAX_SAFE_INTEGER: Final = 2**53 - 1

JSONValue = None | bool | int | str | list["JSONValue"] | dict[str, "JSONValue"]


class CanonicalError(ValueError):
    """A value cannot go into a canonical record; ``path`` says where (``$.a[0].b``)."""

    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"{path}: {reason}")


class FloatNotAllowed(CanonicalError):
    def __init__(self, path: str, value: float) -> None:
        self.value = value
        super().__init__(path, f"float {value!r} not allowed; use an integer in fixed units")


class UnsupportedType(CanonicalError):
    def __init__(self, path: str, value: object) -> None:
        self.value = value
        super().__init__(path, f"type {type(value).__name__} not allowed in a record")


class IntegerOutOfRange(CanonicalError):
    def __init__(self, path: str, value: int) -> None:
        self.value = value
        super().__init__(path, f"integer {value} outside ±(2^53-1)")


class BadKey(CanonicalError):
    def __init__(self, path: str, key: object, reason: str) -> None:
        self.key = key
        super().__init__(path, reason)


class NotFixedPoint(ValueError):
    """A quantity cannot be converted to fixed units (NaN, infinity, not a number)."""

    def __init__(self, value: object) -> None:
        self.value = value
        super().__init__(f"cannot convert {value!r} to fixed units")


def _nfc(path: str, text: str) -> str:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise CanonicalError(path, "string is not valid Unicode (lone surrogate)") from exc
    return unicodedata.normalize("NFC", text)


def normalise(obj: object, path: str = "$") -> JSONValue:
    """Return a copy of ``obj`` with NFC strings, checking every value is allowed."""
    if obj is None or isinstance(obj, bool):
        return obj
    if isinstance(obj, int):
        if abs(obj) > MAX_SAFE_INTEGER:
            raise IntegerOutOfRange(path, obj)
        return int(obj)
    if isinstance(obj, float):
        raise FloatNotAllowed(path, obj)
    if isinstance(obj, str):
        return _nfc(path, obj)
    if isinstance(obj, list | tuple):
        return [normalise(v, f"{path}[{i}]") for i, v in enumerate(obj)]
    if isinstance(obj, dict):
        out: dict[str, JSONValue] = {}
        for key, value in obj.items():
            if not isinstance(key, str):
                raise BadKey(path, key, f"key {key!r} is not a string")
            nkey = _nfc(path, key)
            if nkey in out:
                raise BadKey(path, key, f"keys collide after NFC normalisation: {nkey!r}")
            out[nkey] = normalise(value, f"{path}.{nkey}")
        return out
    raise UnsupportedType(path, obj)


def canonical_record_bytes(obj: object) -> bytes:
    """Return the RFC 8785 canonical UTF-8 JSON of ``obj`` after :func:`normalise`."""
    return rfc8785.dumps(normalise(obj))


def to_fixed(value: Decimal | int | float | str, scale: int) -> int:
    """Return ``value × 10**scale`` rounded half-to-even to an integer.

    Floats are read through their shortest decimal ``repr`` (``0.0125`` is 0.0125, not
    the binary value just above it), so ``to_fixed(0.0125, 3) == 12``.
    """
    if isinstance(value, bool):
        raise NotFixedPoint(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise NotFixedPoint(value)
        dec = Decimal(repr(value))
    elif isinstance(value, int | Decimal):
        dec = Decimal(value)
    elif isinstance(value, str):
        try:
            dec = Decimal(value.strip())
        except InvalidOperation as exc:
            raise NotFixedPoint(value) from exc
    else:
        raise NotFixedPoint(value)
    if not dec.is_finite():
        raise NotFixedPoint(value)
    with localcontext() as ctx:
        ctx.prec = max(28, len(dec.as_tuple().digits) + abs(dec.adjusted()) + abs(scale) + 2)
        return int(dec.scaleb(scale).quantize(Decimal(1), rounding=ROUNDING))


def grams_from_kg(kg: Decimal | int | float | str) -> int:
    """Kilograms to whole grams, half-even."""
    return to_fixed(kg, 3)


def millimetres_from_metres(metres: Decimal | int | float | str) -> int:
    """Metres to whole millimetres, half-even."""
    return to_fixed(metres, 3)


def milliseconds(seconds: Decimal | int | float | str) -> int:
    """Seconds to whole milliseconds, half-even."""
    return to_fixed(seconds, 3)
