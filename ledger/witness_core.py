"""Pure witness state transition (C2SP tlog-witness ``add-checkpoint`` semantics).

Given what the witness last cosigned for a log (or nothing), a new signed checkpoint, the
log's verifier, the size the submitter claims the witness knows and a consistency proof,
:func:`add_checkpoint` returns the new state and the cosignature, or raises a
:class:`WitnessRefusal` whose ``http_status`` is the tlog-witness status for the refusal.
No clock and no storage here: the timestamp comes in, the new state goes out.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar, Final

from ledger.checkpoint import Checkpoint, CheckpointError, parse_checkpoint
from ledger.cosignature import Cosignature, CosignatureSigner
from ledger.hashing import EMPTY_ROOT
from ledger.keys import b64decode_strict
from ledger.note import NoteError, Verifier, parse_note, verify_signatures
from ledger.verify import ProofError, verify_consistency

MAX_PROOF_LINES: Final = 63
_OLD_LINE = re.compile(r"old (0|[1-9][0-9]*)")


@dataclass(frozen=True)
class WitnessState:
    """The latest checkpoint the witness cosigned for ``origin``."""

    origin: str
    size: int
    root: bytes


@dataclass(frozen=True)
class WitnessResult:
    state: WitnessState
    checkpoint: Checkpoint
    cosignature: Cosignature

    @property
    def line(self) -> str:
        """The cosignature as a signed-note signature line (ends with a newline)."""
        return self.cosignature.line()


class WitnessRefusal(Exception):
    """Base class: the witness refuses to cosign."""

    http_status: ClassVar[int] = 400


class MalformedRequest(WitnessRefusal):
    """The request, note or checkpoint does not parse."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(f"malformed request: {reason}")


class UnknownLog(WitnessRefusal):
    http_status: ClassVar[int] = 404

    def __init__(self, origin: str, expected: str) -> None:
        self.origin = origin
        self.expected = expected
        super().__init__(f"unknown log origin {origin!r} (this witness expects {expected!r})")


class BadSignature(WitnessRefusal):
    http_status: ClassVar[int] = 403

    def __init__(self, origin: str, reason: str) -> None:
        self.origin = origin
        self.reason = reason
        super().__init__(f"checkpoint for {origin!r} not signed by the log key: {reason}")


class RollBack(WitnessRefusal):
    """The checkpoint is smaller than what the witness (or the request) says came before."""

    def __init__(self, known_size: int, old_size: int, new_size: int) -> None:
        self.known_size = known_size
        self.old_size = old_size
        self.new_size = new_size
        super().__init__(
            f"checkpoint size {new_size} is smaller than the witnessed size {known_size} "
            f"or the claimed old size {old_size}"
        )


class OldSizeMismatch(WitnessRefusal):
    """The claimed old size is not the witness's latest size (HTTP 409 carries it)."""

    http_status: ClassVar[int] = 409

    def __init__(self, known_size: int, old_size: int) -> None:
        self.known_size = known_size
        self.old_size = old_size
        super().__init__(f"old size {old_size} does not match the witnessed size {known_size}")


class ForkDetected(WitnessRefusal):
    """Same tree size, different root: the log has shown two different trees."""

    http_status: ClassVar[int] = 409

    def __init__(self, size: int, known_root: bytes, new_root: bytes) -> None:
        self.size = size
        self.known_root = known_root
        self.new_root = new_root
        super().__init__(
            f"fork at size {size}: witnessed root {known_root.hex()}, new root {new_root.hex()}"
        )


class BadProof(WitnessRefusal):
    http_status: ClassVar[int] = 422

    def __init__(self, old_size: int, new_size: int, reason: str) -> None:
        self.old_size = old_size
        self.new_size = new_size
        self.reason = reason
        super().__init__(f"consistency proof {old_size} -> {new_size} rejected: {reason}")


def add_checkpoint(
    state: WitnessState | None,
    note: str | bytes,
    log_key: Verifier,
    old_size: int,
    proof: Sequence[bytes],
    witness: CosignatureSigner,
    timestamp: int,
    *,
    origin: str | None = None,
) -> WitnessResult:
    """Check a new checkpoint against the witnessed state; cosign it or refuse.

    ``origin`` defaults to the log key's name.  Checks, in order: syntax (400), origin
    (404), log signature (403), roll-back (400), old size (409), same-size fork (409),
    consistency proof (422).
    """
    expected = origin if origin is not None else log_key.name
    try:
        parsed = parse_note(note)
        cp = parse_checkpoint(parsed.text)
    except (NoteError, CheckpointError) as exc:
        raise MalformedRequest(str(exc)) from exc
    if cp.origin != expected or (state is not None and state.origin != cp.origin):
        raise UnknownLog(cp.origin, expected)
    try:
        signed = verify_signatures(parsed, [log_key]).verified
    except NoteError as exc:
        raise BadSignature(cp.origin, str(exc)) from exc
    if not signed:
        raise BadSignature(cp.origin, f"no signature by {log_key.name} ({log_key.key_id:08x})")

    known_size = state.size if state is not None else 0
    known_root = state.root if state is not None else EMPTY_ROOT
    if old_size < 0:
        raise MalformedRequest(f"old size {old_size} is negative")
    if cp.size < known_size or old_size > cp.size:
        raise RollBack(known_size, old_size, cp.size)
    if old_size != known_size:
        raise OldSizeMismatch(known_size, old_size)
    if cp.size == known_size:
        if cp.root != known_root:
            raise ForkDetected(cp.size, known_root, cp.root)
        if proof:
            raise BadProof(known_size, cp.size, f"expected an empty proof, got {len(proof)}")
    elif known_size == 0:
        if proof:
            raise BadProof(0, cp.size, f"expected an empty proof from size 0, got {len(proof)}")
    else:
        try:
            verify_consistency(known_size, cp.size, known_root, cp.root, proof)
        except ProofError as exc:
            raise BadProof(known_size, cp.size, str(exc)) from exc

    cosig = witness.cosign(parsed.text, timestamp)
    return WitnessResult(WitnessState(cp.origin, cp.size, cp.root), cp, cosig)


def parse_add_checkpoint_body(body: str) -> tuple[int, list[bytes], str]:
    """Split a tlog-witness add-checkpoint body into (old size, proof, checkpoint note).

    The body is ``old <size>``, up to 63 base64 proof lines, an empty line, then the note.
    """
    head, sep, note = body.partition("\n\n")
    if not sep:
        raise MalformedRequest("no empty line before the checkpoint")
    lines = head.split("\n")
    match = _OLD_LINE.fullmatch(lines[0])
    if match is None:
        raise MalformedRequest(f"first line must be 'old <size>', got {lines[0]!r}")
    if len(lines) - 1 > MAX_PROOF_LINES:
        raise MalformedRequest(f"more than {MAX_PROOF_LINES} proof lines")
    proof: list[bytes] = []
    for line in lines[1:]:
        try:
            proof.append(b64decode_strict(line))
        except ValueError as exc:
            raise MalformedRequest(f"proof line is not base64: {line!r}") from exc
    return int(match.group(1)), proof, note
