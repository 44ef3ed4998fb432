"""The one settings class reads the ledger's PILEWATCH_LEDGER_* variables."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from pydantic import ValidationError
from pydantic_settings import BaseSettings

from ledger.cosignature import generate_cosigner_key
from runtime.settings import Settings, get_settings
from sealing.witnesses import WitnessConfig

_, VKEY_A = generate_cosigner_key("w.example/a", seed=bytes([1]) * 32)
_, VKEY_B = generate_cosigner_key("w.example/b", seed=bytes([2]) * 32)


def test_ledger_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("PILEWATCH_LEDGER_"):
            monkeypatch.delenv(name)
    s = get_settings()
    assert s.ledger_origin == "pilewatch.local/ledger"
    assert s.ledger_vkey is None
    assert s.ledger_witnesses == []
    assert s.ledger_witness_quorum == 0
    assert s.ledger_public_url is None
    assert s.ledger_poll_interval_s == 1.0
    assert s.ledger_checkpoint_interval_s == 30.0
    assert s.ledger_batch_size == 200
    assert s.ledger_max_attempts_backoff_s == 300.0


def test_ledger_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    # The keys are base64 and may end in '='; the URL/key split is at the first '=' after it.
    monkeypatch.setenv(
        "PILEWATCH_LEDGER_WITNESSES", f"http://w1:8090/={VKEY_A}, https://w2.example={VKEY_B}"
    )
    monkeypatch.setenv("PILEWATCH_LEDGER_ORIGIN", "site.example/ledger")
    monkeypatch.setenv("PILEWATCH_LEDGER_VKEY", "some-vkey")
    monkeypatch.setenv("PILEWATCH_LEDGER_WITNESS_QUORUM", "2")
    monkeypatch.setenv("PILEWATCH_LEDGER_PUBLIC_URL", "https://pw.example.cn")
    monkeypatch.setenv("PILEWATCH_LEDGER_POLL_INTERVAL_S", "0.5")
    monkeypatch.setenv("PILEWATCH_LEDGER_CHECKPOINT_INTERVAL_S", "10")
    monkeypatch.setenv("PILEWATCH_LEDGER_BATCH_SIZE", "50")
    monkeypatch.setenv("PILEWATCH_LEDGER_MAX_ATTEMPTS_BACKOFF_S", "60")
    s = get_settings()
    assert s.ledger_witnesses == [
        WitnessConfig("http://w1:8090", VKEY_A),
        WitnessConfig("https://w2.example", VKEY_B),
    ]
    assert (s.ledger_origin, s.ledger_vkey, s.ledger_witness_quorum) == (
        "site.example/ledger",
        "some-vkey",
        2,
    )
    assert s.ledger_public_url == "https://pw.example.cn"
    assert (s.ledger_poll_interval_s, s.ledger_checkpoint_interval_s) == (0.5, 10.0)
    assert (s.ledger_batch_size, s.ledger_max_attempts_backoff_s) == (50, 60.0)


@pytest.mark.parametrize("spec", ["no-equals-sign", "http://w1", "http://w1=not-a-key"])
def test_bad_witness_spec_is_refused(monkeypatch: pytest.MonkeyPatch, spec: str) -> None:
    monkeypatch.setenv("PILEWATCH_LEDGER_WITNESSES", spec)
    with pytest.raises(ValidationError, match="witness"):
        get_settings()


def test_witnesses_as_a_list_override() -> None:
    s = get_settings(ledger_witnesses=[f"http://w1={VKEY_A}"])
    assert s.ledger_witnesses == [WitnessConfig("http://w1", VKEY_A)]


def test_one_settings_class() -> None:
    """House rule: the only pydantic-settings class is runtime.settings.Settings."""
    root = Path(__file__).resolve().parents[2]
    skip = {".venv", "tests", ".git", "node_modules"}
    defining = sorted(
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if not skip & set(path.relative_to(root).parts)
        and re.search(r"^class \w+\([^)]*BaseSettings", path.read_text("utf-8"), re.M)
    )
    assert defining == ["runtime/settings.py"]
    assert issubclass(Settings, BaseSettings)
