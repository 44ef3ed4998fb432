"""RFC 6962 proof vectors from ../shared/vectors/rfc6962 (transparency-dev/merkle test data)."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from ledger.verify import ProofError, verify_consistency, verify_inclusion

VECTORS = Path(__file__).resolve().parents[3] / "shared" / "vectors" / "rfc6962"


def _files(kind: str) -> list[Path]:
    return sorted((VECTORS / kind).rglob("*.json")) if (VECTORS / kind).is_dir() else []


def _id(path: Path) -> str:
    return str(path.relative_to(VECTORS))


def _b64(value: str | None) -> bytes:
    return base64.b64decode(value) if value else b""


def _load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def test_vectors_present() -> None:
    if not VECTORS.is_dir():
        pytest.fail(f"RFC 6962 vectors missing: expected directory {VECTORS}")
    inclusion, consistency = _files("inclusion"), _files("consistency")
    if not inclusion or not consistency:
        pytest.fail(
            f"RFC 6962 vectors incomplete under {VECTORS}: "
            f"{len(inclusion)} inclusion, {len(consistency)} consistency files"
        )
    assert any(not _load(p)["wantErr"] for p in inclusion)
    assert any(_load(p)["wantErr"] for p in consistency)


@pytest.mark.parametrize("path", _files("inclusion"), ids=_id)
def test_inclusion_vector(path: Path) -> None:
    v = _load(path)
    proof = [_b64(p) for p in v["proof"] or []]
    args = (_b64(v["leafHash"]), v["leafIdx"], v["treeSize"], proof, _b64(v["root"]))
    if v["wantErr"]:
        with pytest.raises(ProofError):
            verify_inclusion(*args)
    else:
        verify_inclusion(*args)


@pytest.mark.parametrize("path", _files("consistency"), ids=_id)
def test_consistency_vector(path: Path) -> None:
    v = _load(path)
    proof = [_b64(p) for p in v["proof"] or []]
    args = (v["size1"], v["size2"], _b64(v["root1"]), _b64(v["root2"]), proof)
    if v["wantErr"]:
        with pytest.raises(ProofError):
            verify_consistency(*args)
    else:
        verify_consistency(*args)
