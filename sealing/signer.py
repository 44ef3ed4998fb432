"""The log's signing key and checkpoint issuance.

The key lives in ``<state dir>/ledger/log.key`` (created on first start, mode 0600); the
last checkpoint it signed, ``(size, root)``, in ``<state dir>/ledger/log-signed.json``
(atomic write + fsync, written *before* the checkpoint is stored, so a crash can leave the
file ahead of the database but never behind it).

Before signing a new checkpoint, :meth:`Checkpointer.issue` checks, under the log lock:

1. the database's latest stored checkpoint verifies with this log's key, and its body
   matches its columns;
2. it agrees with the state file: not larger, the same root at the same size, and
   consistent with it when smaller (a crash between the two writes);
3. the current tree is consistent with the last signed checkpoint (a consistency proof from
   the stored nodes, verified with :func:`ledger.verify.verify_consistency`).

Any failure raises :class:`CheckpointRefused` and nothing is signed: the log never signs two
inconsistent checkpoints, whatever happened to the database.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from ledger.checkpoint import Checkpoint, CheckpointError, parse_checkpoint
from ledger.keys import b64decode_strict, b64encode, parse_signer_key
from ledger.note import (
    Ed25519Signer,
    Ed25519Verifier,
    NoteError,
    generate_key,
    open_note,
    sign_note,
)
from ledger.verify import ProofError, verify_consistency
from sealing import store
from sealing.keyfile import load_or_create_key, read_json, write_json_atomic
from sealing.store import Conn, StoredCheckpoint

log = logging.getLogger(__name__)


class CheckpointRefused(RuntimeError):
    """The log will not sign: its database or state disagrees with what it signed before."""


class LogKeyMismatch(RuntimeError):
    """The database belongs to a log with another key."""


@dataclass(frozen=True)
class LogKey:
    origin: str
    signer_key: str
    vkey: str

    @property
    def signer(self) -> Ed25519Signer:
        return Ed25519Signer.from_key(self.signer_key)

    @property
    def verifier(self) -> Ed25519Verifier:
        return Ed25519Verifier.from_key(self.vkey)


def ledger_dir(state_dir: Path) -> Path:
    return state_dir / "ledger"


def key_path(state_dir: Path) -> Path:
    return ledger_dir(state_dir) / "log.key"


def signed_state_path(state_dir: Path) -> Path:
    return ledger_dir(state_dir) / "log-signed.json"


def load_log_key(state_dir: Path, origin: str) -> tuple[LogKey, bool]:
    """Load the log key, generating it on first start; returns (key, created)."""
    text, created = load_or_create_key(
        key_path(state_dir), lambda: generate_key(origin)[0], parse_signer_key
    )
    parsed = parse_signer_key(text)
    if parsed.name != origin:
        raise LogKeyMismatch(
            f"{key_path(state_dir)} is the key of log {parsed.name!r}, "
            f"but PILEWATCH_LEDGER_ORIGIN is {origin!r}"
        )
    return LogKey(origin, text, str(parsed.verifier_key())), created


def vkey_from_key_file(state_dir: Path) -> str | None:
    """The verifier key of an existing key file, or None (never creates one)."""
    path = key_path(state_dir)
    if not path.exists():
        return None
    return str(parse_signer_key(path.read_text(encoding="ascii").strip()).verifier_key())


def bind_database(conn: Conn, key: LogKey) -> None:
    """Record the log's origin and key in a new database; refuse a database of another log."""
    with conn.transaction():
        origin = store.ensure_meta(conn, "origin", key.origin)
        vkey = store.ensure_meta(conn, "log_vkey", key.vkey)
    if origin != key.origin or vkey != key.vkey:
        raise LogKeyMismatch(
            f"the database holds the ledger of {vkey} (origin {origin!r}), "
            f"not of this key {key.vkey}; refusing to start"
        )


@dataclass(frozen=True)
class SignedState:
    size: int
    root: bytes


class Checkpointer:
    def __init__(self, key: LogKey, state_path: Path) -> None:
        self.key = key
        self.state_path = state_path

    def _read_state(self) -> SignedState | None:
        data = read_json(self.state_path)
        if data is None:
            return None
        try:
            if data.get("vkey") != self.key.vkey:
                raise CheckpointRefused(
                    f"{self.state_path} records checkpoints of key {data.get('vkey')}, "
                    f"not {self.key.vkey}"
                )
            return SignedState(int(data["size"]), b64decode_strict(str(data["root"])))
        except (KeyError, ValueError, TypeError) as exc:
            raise CheckpointRefused(f"{self.state_path}: unreadable ({exc})") from None

    def _write_state(self, size: int, root: bytes) -> None:
        write_json_atomic(
            self.state_path,
            {
                "origin": self.key.origin,
                "vkey": self.key.vkey,
                "size": size,
                "root": b64encode(root),
            },
        )

    def _check_stored(self, stored: StoredCheckpoint) -> None:
        try:
            opened = open_note(stored.note, [self.key.verifier])
            cp = parse_checkpoint(opened.text)
        except (NoteError, CheckpointError) as exc:
            raise CheckpointRefused(
                f"stored checkpoint size {stored.size} does not verify with this log's key: {exc}"
            ) from None
        if cp.origin != self.key.origin or cp.size != stored.size or cp.root != stored.root:
            raise CheckpointRefused(
                f"stored checkpoint size {stored.size}: its signed body (size {cp.size}, "
                f"root {cp.root.hex()}) disagrees with its columns (root {stored.root.hex()})"
            )

    def _check_consistent(
        self, conn: Conn, what: str, old: SignedState, size: int, root: bytes
    ) -> None:
        if size < old.size:
            raise CheckpointRefused(f"{what}: tree size {size} is smaller than {old.size}")
        try:
            proof = store.consistency_proof_db(conn, old.size, size) if old.size else []
            verify_consistency(old.size, size, old.root, root, proof)
        except (ProofError, store.LogCorrupt) as exc:
            raise CheckpointRefused(
                f"{what}: tree of size {size} (root {root.hex()}) is not consistent with "
                f"size {old.size} (root {old.root.hex()}): {exc}"
            ) from None

    def issue(self, conn: Conn) -> StoredCheckpoint | None:
        """Sign and store a checkpoint of the current tree; None when nothing is new."""
        with conn.transaction():
            store.lock_log(conn)
            size = store.tree_size(conn)
            root = store.root_at(conn, size)
            state = self._read_state()
            stored = store.latest_checkpoint(conn)
            if stored is not None:
                self._check_stored(stored)
                if state is None:
                    raise CheckpointRefused(
                        f"the database holds checkpoint size {stored.size} signed by this key "
                        f"but {self.state_path} is missing; restore it before signing"
                    )
                if stored.size > state.size or (
                    stored.size == state.size and stored.root != state.root
                ):
                    raise CheckpointRefused(
                        f"stored checkpoint size {stored.size} (root {stored.root.hex()}) "
                        f"disagrees with the last signed size {state.size} "
                        f"(root {state.root.hex()}) in {self.state_path}"
                    )
                if stored.size < state.size:
                    self._check_consistent(
                        conn,
                        "last signed checkpoint",
                        SignedState(stored.size, stored.root),
                        state.size,
                        state.root,
                    )
            if state is not None:
                self._check_consistent(conn, "new checkpoint", state, size, root)
                if size == state.size and stored is not None and stored.size == size:
                    return None
            if size == 0:
                return None
            text = Checkpoint(self.key.origin, size, root).body()
            note = sign_note(text, [self.key.signer])
            self._write_state(size, root)
            store.insert_checkpoint(conn, size, root, note)
        log.info("signed checkpoint size %d root %s", size, root.hex())
        return StoredCheckpoint(size, root, note)
