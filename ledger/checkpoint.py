"""C2SP tlog checkpoint note bodies (https://c2sp.org/tlog-checkpoint).

::

    <origin>
    <tree size, ASCII decimal, no leading zeros>
    <base64 root hash, 32 bytes>
    [extension lines, each non-empty]
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from ledger.hashing import HASH_SIZE
from ledger.keys import b64decode_strict, b64encode

MAX_TREE_SIZE: Final = 2**64 - 1
_DECIMAL = re.compile(r"0|[1-9][0-9]*")


class CheckpointError(ValueError):
    """A checkpoint body is malformed; carries the offending line (if any)."""

    def __init__(self, reason: str, line: str | None = None) -> None:
        self.reason = reason
        self.line = line
        super().__init__(f"bad checkpoint: {reason}" + (f": {line!r}" if line is not None else ""))


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _check_line("origin", self.origin)
        if not 0 <= self.size <= MAX_TREE_SIZE:
            raise CheckpointError(f"tree size {self.size} outside 0..2^64-1")
        if len(self.root) != HASH_SIZE:
            raise CheckpointError(f"root hash must be {HASH_SIZE} bytes, got {len(self.root)}")
        for ext in self.extensions:
            _check_line("extension line", ext)

    def body(self) -> str:
        return format_checkpoint(self)


def _check_line(what: str, line: str) -> None:
    if not line:
        raise CheckpointError(f"{what} must be non-empty", line)
    if any(ord(c) < 0x20 or 0xD800 <= ord(c) <= 0xDFFF for c in line):
        raise CheckpointError(f"{what} contains a control or invalid character", line)


def format_checkpoint(cp: Checkpoint) -> str:
    """Return the note text of a checkpoint (ends with a newline)."""
    lines = [cp.origin, str(cp.size), b64encode(cp.root), *cp.extensions]
    return "".join(line + "\n" for line in lines)


def parse_checkpoint(body: str) -> Checkpoint:
    """Parse and strictly validate a checkpoint note text."""
    if not body.endswith("\n"):
        raise CheckpointError("body must end with a newline")
    lines = body[:-1].split("\n")
    if len(lines) < 3:
        raise CheckpointError(f"need at least 3 lines, got {len(lines)}")
    origin, size_line, root_line, *extensions = lines
    if not _DECIMAL.fullmatch(size_line):
        raise CheckpointError("tree size must be ASCII decimal without leading zeros", size_line)
    try:
        root = b64decode_strict(root_line)
    except ValueError as exc:
        raise CheckpointError("root hash is not canonical base64", root_line) from exc
    return Checkpoint(origin, int(size_line), root, tuple(extensions))
