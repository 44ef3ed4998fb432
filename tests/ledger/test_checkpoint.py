from __future__ import annotations

import base64

import pytest

from ledger.checkpoint import Checkpoint, CheckpointError, format_checkpoint, parse_checkpoint
from ledger.hashing import EMPTY_ROOT

# Example body from the C2SP tlog-checkpoint specification.
SPEC_BODY = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
ROOT_B64 = base64.b64encode(EMPTY_ROOT).decode()


def test_spec_example_round_trip() -> None:
    cp = parse_checkpoint(SPEC_BODY)
    assert cp.origin == "example.com/behind-the-sofa"
    assert cp.size == 20852163
    assert len(cp.root) == 32
    assert cp.extensions == ()
    assert format_checkpoint(cp) == SPEC_BODY == cp.body()


def test_extensions_and_limits() -> None:
    body = f"o\n0\n{ROOT_B64}\nextension one\nx\n"
    cp = parse_checkpoint(body)
    assert cp.extensions == ("extension one", "x")
    assert cp.body() == body
    assert parse_checkpoint(f"o\n{2**64 - 1}\n{ROOT_B64}\n").size == 2**64 - 1


@pytest.mark.parametrize(
    "body",
    [
        f"o\n1\n{ROOT_B64}",  # no final newline
        "o\n1\n",  # two lines
        f"\n1\n{ROOT_B64}\n",  # empty origin
        f"o\n01\n{ROOT_B64}\n",  # leading zero
        f"o\n00\n{ROOT_B64}\n",
        f"o\n-1\n{ROOT_B64}\n",
        f"o\n+1\n{ROOT_B64}\n",
        f"o\n 1\n{ROOT_B64}\n",
        f"o\n1 \n{ROOT_B64}\n",
        f"o\n١\n{ROOT_B64}\n",  # non-ASCII digit
        f"o\n{2**64}\n{ROOT_B64}\n",  # overflows uint64
        f"o\n1\n{ROOT_B64[:-1]}\n",  # bad padding
        f"o\n1\n{base64.b64encode(bytes(31)).decode()}\n",  # 31-byte root
        f"o\n1\n{ROOT_B64} \n",
        f"o\n1\n{ROOT_B64}\n\n",  # empty extension line
        f"o\n1\n{ROOT_B64}\next\n\n",
        f"o\x01\n1\n{ROOT_B64}\n",  # control character
    ],
)
def test_rejects(body: str) -> None:
    with pytest.raises(CheckpointError):
        parse_checkpoint(body)


def test_constructor_validates() -> None:
    with pytest.raises(CheckpointError):
        Checkpoint("o", -1, EMPTY_ROOT)
    with pytest.raises(CheckpointError):
        Checkpoint("o", 1, b"x")
    with pytest.raises(CheckpointError):
        Checkpoint("o\nsneaky", 1, EMPTY_ROOT)
    with pytest.raises(CheckpointError):
        Checkpoint("o", 1, EMPTY_ROOT, ("",))
