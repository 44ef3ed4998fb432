"""`pilewatch seal …`, `verify`, `audit`, `monitor`, `witness`: the ledger's commands.

Every failure of a check prints what failed (check, leaf or checkpoint, expected and
calculated values) and exits non-zero; bad input (unreadable or non-JSON bundle, bad keys,
HTTP errors) gives a one-line message, never a traceback.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ledger.keys import KeyStringError

if TYPE_CHECKING:
    from runtime.settings import Settings
    from sealing.findings import Finding

EXIT_FAILED = 1


def _ledger_settings() -> Settings:
    """The settings, with a one-line message (not a traceback) when e.g.
    PILEWATCH_LEDGER_WITNESSES is malformed."""
    from runtime.settings import get_settings

    try:
        return get_settings()
    except ValueError as exc:
        raise click.UsageError(f"settings: {exc}") from None


def _load_keys_file(path: Path) -> tuple[str | None, list[str], int | None]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise click.UsageError(f"{path}: cannot read keys ({exc})") from None
    if not isinstance(data, dict):
        raise click.UsageError(f"{path}: expected a JSON object like /ledger/keys")
    log = data.get("log")
    witnesses = data.get("witnesses") or []
    quorum = data.get("quorum")
    if not isinstance(witnesses, list) or not all(isinstance(w, str) for w in witnesses):
        raise click.UsageError(f"{path}: 'witnesses' must be a list of key strings")
    return (
        log if isinstance(log, str) else None,
        witnesses,
        quorum if isinstance(quorum, int) else None,
    )


def _keys(
    log_key: str | None, keys_file: Path | None, witness_keys: tuple[str, ...], quorum: int | None
) -> tuple[str, list[str], int]:
    file_log, file_witnesses, file_quorum = (
        _load_keys_file(keys_file) if keys_file else (None, [], None)
    )
    log = log_key or file_log
    if not log:
        raise click.UsageError("give the log's verifier key with --log-key or --keys FILE")
    witnesses = list(witness_keys) or file_witnesses
    q = quorum if quorum is not None else (file_quorum if file_quorum is not None else 0)
    return log, witnesses, q


def _report(findings: list[Finding], ok_message: str) -> None:
    if findings:
        for f in findings:
            click.echo(f"FAIL {f}", err=True)
        raise SystemExit(EXIT_FAILED)
    click.echo(ok_message)


def register(main: click.Group) -> None:
    @main.group()
    def seal() -> None:
        """Seal final piles into the ledger (the sealer service and corrections)."""

    @seal.command("run")
    @click.option(
        "--once", is_flag=True, help="One round (seal, checkpoint, witnesses), then exit."
    )
    def seal_run(once: bool) -> None:
        """Run the sealer: seal piles as they end, sign checkpoints, offer them to witnesses."""
        from cli.main import _database_url, stop_event_on_signals
        from sealing.service import Sealer
        from sealing.signer import CheckpointRefused, LogKeyMismatch
        from storage.db import connect
        from storage.migrations import migrate as run_migrations

        settings = _ledger_settings()
        url = _database_url(settings)
        run_migrations(url, settings)
        try:
            sealer = Sealer(url, settings.state_dir, settings)
        except (LogKeyMismatch, KeyStringError, OSError) as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(f"log verifier key: {sealer.vkey}")
        try:
            if once:
                with connect(url) as conn:
                    r = sealer.run_once(conn)
                cp = f"checkpoint {r.checkpoint.size}" if r.checkpoint else "no new checkpoint"
                click.echo(f"sealed {r.sealed}, failed {r.failed}, {cp}")
            else:
                sealer.run(stop_event_on_signals())
        except CheckpointRefused as exc:
            raise click.ClickException(f"refusing to sign: {exc}") from None

    @seal.command("correct")
    @click.option("--site", required=True)
    @click.option("--pile", required=True)
    @click.option("--by", "by", required=True, help="Who makes the correction.")
    @click.option("--reason", required=True, help="Why.")
    def seal_correct(site: str, pile: str, by: str, reason: str) -> None:
        """Seal the pile's current state as a correction naming the leaf it supersedes."""
        from cli.main import _database_url
        from sealing.record import RecordError
        from sealing.service import Sealer, seal_pile
        from storage.db import connect

        settings = _ledger_settings()
        url = _database_url(settings)
        sealer = Sealer(url, settings.state_dir, settings)
        with connect(url) as conn:
            try:
                result = seal_pile(conn, site, pile, by=by, reason=reason, force=True)
            except (RecordError, ValueError) as exc:
                raise click.ClickException(str(exc)) from None
            sealer.checkpointer.issue(conn)
        assert result is not None
        click.echo(f"{result.kind} sealed as leaf {result.index} ({result.leaf_hash.hex()})")

    @seal.command("key")
    def seal_key() -> None:
        """Print the log's verifier key (generating the key on first use)."""
        from sealing.signer import load_log_key

        settings = _ledger_settings()
        key, _created = load_log_key(settings.state_dir, settings.ledger_origin)
        click.echo(key.vkey)

    @seal.command("failures")
    def seal_failures() -> None:
        """Piles the sealer could not seal yet, with attempts and the last error."""
        from cli.main import _database_url, _settings
        from sealing.service import failures
        from storage.db import connect

        with connect(_database_url(_settings())) as conn:
            for f in failures(conn):
                click.echo(
                    f"{f['site_id']}/{f['pile_id']} rev {f['revision']}: "
                    f"{f['attempts']} attempt(s): {f['last_error']}"
                )

    @main.command()
    @click.argument("bundle", type=click.Path(dir_okay=False, path_type=Path))
    @click.option("--log-key", help="The log's verifier key.")
    @click.option(
        "--keys",
        "keys_file",
        type=click.Path(dir_okay=False, path_type=Path),
        help="A JSON file like /api/v1/ledger/keys.",
    )
    @click.option("--witness-key", multiple=True, help="A witness verifier key (repeatable).")
    @click.option("--quorum", type=int, default=None, help="Cosignatures required.")
    def verify(
        bundle: Path,
        log_key: str | None,
        keys_file: Path | None,
        witness_key: tuple[str, ...],
        quorum: int | None,
    ) -> None:
        """Check a sealed pile record offline: signatures, witness quorum, leaf hash, proof."""
        from sealing.bundle import verify_bundle
        from sealing.findings import VerificationFailed

        log, witnesses, q = _keys(log_key, keys_file, witness_key, quorum)
        try:
            data = json.loads(bundle.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise click.UsageError(f"{bundle}: cannot read the bundle ({exc})") from None
        try:
            result = verify_bundle(data, log, witnesses, q)
        except VerificationFailed as exc:
            _report([exc.finding], "")
            return
        click.echo(
            f"OK: pile {result.pile} (site {result.site}) is leaf {result.leaf_index} of the "
            f"signed tree of size {result.tree_size}, root {result.root.hex()}, "
            f"{result.cosigners} witness cosignature(s)"
        )

    @main.command()
    @click.option("--log-key", help="The log's verifier key.")
    @click.option("--keys", "keys_file", type=click.Path(dir_okay=False, path_type=Path))
    @click.option("--witness-key", multiple=True)
    @click.option("--quorum", type=int, default=None)
    def audit(
        log_key: str | None,
        keys_file: Path | None,
        witness_key: tuple[str, ...],
        quorum: int | None,
    ) -> None:
        """Rebuild the tree from the database and check every leaf and checkpoint."""
        from cli.main import _database_url, _settings
        from sealing.audit import audit as run_audit
        from storage.db import connect

        log, witnesses, q = _keys(log_key, keys_file, witness_key, quorum)
        t0 = time.perf_counter()
        try:
            with connect(_database_url(_settings())) as conn:
                report = run_audit(conn, log, witnesses, q)
        except KeyStringError as exc:
            raise click.UsageError(str(exc)) from None
        _report(
            report.findings,
            f"OK: {report.leaves} leaves, {report.checkpoints} checkpoints, "
            f"{report.cosignatures} cosignatures verified in {time.perf_counter() - t0:.2f} s",
        )

    @main.command()
    @click.option("--url", required=True, help="Base URL of the pilewatch API.")
    @click.option("--log-key", help="The log's verifier key.")
    @click.option("--keys", "keys_file", type=click.Path(dir_okay=False, path_type=Path))
    @click.option("--witness-key", multiple=True)
    @click.option("--quorum", type=int, default=None)
    @click.option("--token", envvar="PILEWATCH_API_TOKEN", help="API bearer token.")
    @click.option(
        "--state-file",
        type=click.Path(dir_okay=False, path_type=Path),
        default=Path(".pilewatch/monitor.json"),
        show_default=True,
    )
    @click.option("--interval", type=float, default=30.0, show_default=True)
    @click.option("--once", is_flag=True)
    def monitor(
        url: str,
        log_key: str | None,
        keys_file: Path | None,
        witness_key: tuple[str, ...],
        quorum: int | None,
        token: str | None,
        state_file: Path,
        interval: float,
        once: bool,
    ) -> None:
        """Follow the log; demand a consistency proof for every new checkpoint."""
        import httpx

        from sealing.monitor import MonitorError, monitor_once

        log, witnesses, q = _keys(log_key, keys_file, witness_key, quorum)
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        with httpx.Client(headers=headers, timeout=30.0) as client:
            while True:
                try:
                    result = monitor_once(client, url, log, state_file, witnesses, q)
                except (MonitorError, KeyStringError) as exc:
                    raise click.ClickException(str(exc)) from None
                if result.findings:
                    _report(result.findings, "")
                click.echo(
                    f"OK: checkpoint {result.size}"
                    + (f" consistent with {result.previous}" if result.previous else "")
                )
                if once:
                    return
                time.sleep(interval)

    @main.command()
    @click.option("--port", type=int, default=8090, show_default=True)
    @click.option("--host", default="127.0.0.1", show_default=True)
    @click.option(
        "--state-dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=Path(".pilewatch-witness"),
        show_default=True,
    )
    @click.option("--log-key", required=True, help="Verifier key of the log to witness.")
    @click.option(
        "--name",
        default="pilewatch-witness",
        show_default=True,
        help="Witness key name (used when the key is generated).",
    )
    def witness(port: int, host: str, state_dir: Path, log_key: str, name: str) -> None:
        """Run a witness (C2SP tlog-witness): cosign consistent checkpoints, refuse forks."""
        from cli.main import stop_event_on_signals
        from sealing.witness_server import Witness, make_server

        try:
            w = Witness(state_dir, log_key, name)
        except (KeyStringError, ValueError, OSError) as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(f"witness verifier key: {w.vkey}")
        server = make_server(w, host, port)
        click.echo(f"listening on http://{host}:{server.server_address[1]}")
        stop = stop_event_on_signals()
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        stop.wait()
        server.shutdown()
