"""``pilewatch witness``: a C2SP tlog-witness HTTP service with its own key and state.

``POST /add-checkpoint`` takes ``old <size>``, consistency proof lines, an empty line and a
signed checkpoint; it answers 200 with the cosignature line, or the refusal from
:func:`ledger.witness_core.add_checkpoint`: 400 malformed or roll-back, 403 bad log
signature, 404 unknown log, 409 with ``text/x.tlog.size`` and the witnessed size when the old
size is wrong, 409 on a fork, 422 on a bad proof. ``GET /key`` answers the witness's
verifier key. The key (``witness.key``, 0600) and the per-log state (``witness-state.json``,
atomic writes) live in the state directory; a lock serialises requests.
"""

from __future__ import annotations

import logging
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Final

from ledger.cosignature import CosignatureSigner, generate_cosigner_key
from ledger.keys import SIG_COSIGNATURE_V1, b64decode_strict, b64encode, parse_signer_key
from ledger.note import Ed25519Verifier
from ledger.witness_core import (
    OldSizeMismatch,
    WitnessRefusal,
    WitnessState,
    add_checkpoint,
    parse_add_checkpoint_body,
)
from sealing.keyfile import load_or_create_key, read_json, write_json_atomic

log = logging.getLogger(__name__)
MAX_BODY: Final = 64 * 1024


class Witness:
    def __init__(self, state_dir: Path, log_key: str, name: str = "pilewatch-witness") -> None:
        self.state_dir = state_dir
        self.log_verifier = Ed25519Verifier.from_key(log_key)
        text, self.created = load_or_create_key(
            state_dir / "witness.key",
            lambda: generate_cosigner_key(name)[0],
            lambda s: parse_signer_key(s, SIG_COSIGNATURE_V1),
        )
        key = parse_signer_key(text, SIG_COSIGNATURE_V1)
        self.signer = CosignatureSigner.from_key(key)
        self.vkey = str(key.verifier_key())
        self.state_path = state_dir / "witness-state.json"
        self._lock = threading.Lock()

    def _state(self, origin: str) -> WitnessState | None:
        data = read_json(self.state_path) or {}
        entry = data.get(origin)
        if not isinstance(entry, dict):
            return None
        return WitnessState(origin, int(entry["size"]), b64decode_strict(str(entry["root"])))

    def add(self, body: str) -> tuple[int, str, str]:
        """Handle an add-checkpoint body: (HTTP status, content type, response body)."""
        with self._lock:
            try:
                old, proof, note = parse_add_checkpoint_body(body)
                state = self._state(self.log_verifier.name)
                result = add_checkpoint(
                    state, note, self.log_verifier, old, proof, self.signer, int(time.time())
                )
            except OldSizeMismatch as exc:
                return exc.http_status, "text/x.tlog.size", f"{exc.known_size}\n"
            except WitnessRefusal as exc:
                log.warning("refused checkpoint: %s", exc)
                return exc.http_status, "text/plain; charset=utf-8", f"{exc}\n"
            data = read_json(self.state_path) or {}
            data[result.state.origin] = {
                "size": result.state.size,
                "root": b64encode(result.state.root),
            }
            write_json_atomic(self.state_path, data)
            return 200, "text/plain; charset=utf-8", result.line


def make_server(witness: Witness, host: str, port: int) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def _send(self, status: int, ctype: str, body: str) -> None:
            raw = body.encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def do_POST(self) -> None:
            if self.path != "/add-checkpoint":
                self._send(404, "text/plain", "not found\n")
                return
            try:
                length = int(self.headers.get("Content-Length", "0"))
            except ValueError:
                length = -1
            if not 0 <= length <= MAX_BODY:
                self._send(400, "text/plain", "bad or missing Content-Length\n")
                return
            try:
                body = self.rfile.read(length).decode("utf-8")
            except UnicodeDecodeError:
                self._send(400, "text/plain", "body is not UTF-8\n")
                return
            self._send(*witness.add(body))

        def do_GET(self) -> None:
            if self.path == "/key":
                self._send(200, "text/plain", witness.vkey + "\n")
            else:
                self._send(404, "text/plain", "not found\n")

        def log_message(self, format: str, *args: object) -> None:
            log.info("%s %s", self.address_string(), format % args)

    return ThreadingHTTPServer((host, port), Handler)
