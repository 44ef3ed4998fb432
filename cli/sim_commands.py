"""`pilewatch simulate`, `record`, `replay`, `import-medef`: thin wrappers over simulators/."""

from __future__ import annotations

import hashlib
import json
import threading
from datetime import UTC, datetime
from pathlib import Path

import click

from runtime.settings import Settings, get_settings
from telemetry.topics import ID_PATTERN


def _mqtt(settings: Settings) -> str:
    if not settings.mqtt_url:
        raise click.UsageError("PILEWATCH_MQTT_URL is not set")
    return settings.mqtt_url


def _site(site: str) -> str:
    if not ID_PATTERN.match(site):
        raise click.BadParameter(f"site {site!r} must match [A-Za-z0-9_-]{{1,64}}")
    return site


@click.command()
@click.option("--site", required=True, help="Site id the rigs work on.")
@click.option("--rigs", default=3, show_default=True, type=click.IntRange(1, 10_000))
@click.option("--scenario", default="normal", show_default=True, help="Scenario name.")
@click.option("--seed", default=0, show_default=True, type=int)
@click.option(
    "--speed",
    default=60.0,
    show_default=True,
    type=float,
    help="Simulated seconds per real second; 0 = as fast as possible.",
)
@click.option("--duration", "duration_s", type=float, help="Simulated seconds to run.")
@click.option("--piles", type=click.IntRange(1), help="Stop after this many piles in all.")
@click.option("--plan", "plan_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--ground-truth", "ground_truth", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--batch-s", default=1.0, show_default=True, type=float, help="Seconds per message.")
def simulate(
    site: str,
    rigs: int,
    scenario: str,
    seed: int,
    speed: float,
    duration_s: float | None,
    piles: int | None,
    plan_file: Path | None,
    ground_truth: Path | None,
    batch_s: float,
) -> None:
    """Simulated rigs publishing to the broker (PILEWATCH_MQTT_URL)."""
    from simulators.runner import run_simulation
    from simulators.scenarios import SCENARIOS
    from siteplan.csv_format import PlanError, parse_plan_csv

    if scenario not in SCENARIOS:
        raise click.BadParameter(f"{scenario!r} is not one of: {', '.join(SCENARIOS)}")
    settings = get_settings()
    plan = None
    if plan_file is not None:
        try:
            plan = parse_plan_csv(plan_file.read_text(encoding="utf-8"))
        except PlanError as exc:
            raise click.ClickException(f"{plan_file}: {exc}") from None
    report = run_simulation(
        _mqtt(settings),
        _site(site),
        rigs,
        scenario,
        seed,
        speed if speed > 0 else None,
        duration_s,
        piles,
        plan,
        protocol=settings.mqtt_protocol,
        batch_s=batch_s,
        ground_truth_path=ground_truth,
    )
    click.echo(
        f"{report.rigs} rig(s), scenario {report.scenario}: {report.piles_completed} pile(s),"
        f" {report.samples_sent} samples in {report.messages_sent} messages,"
        f" {report.send_rate_msg_s:.0f} msg/s, lag p99 {report.lag_p99_s * 1000:.0f} ms"
    )
    if ground_truth is not None:
        click.echo(f"ground truth: {ground_truth} ({len(report.ground_truth)} fault(s))")


@click.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--topic", default="pilewatch/v1/#", show_default=True)
@click.option("--duration", "duration_s", type=float, help="Seconds; default until Ctrl-C.")
def record(file: Path, topic: str, duration_s: float | None) -> None:
    """Capture a live MQTT stream to a JSON-lines file (topic, payload, time received)."""
    from cli.main import stop_event_on_signals
    from simulators.recording import record as record_stream

    settings = get_settings()
    stop = stop_event_on_signals() if duration_s is None else threading.Event()
    count = record_stream(
        _mqtt(settings), topic, file, duration_s, stop, protocol=settings.mqtt_protocol
    )
    click.echo(f"recorded {count} message(s) to {file}")


@click.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--speed", default=1.0, show_default=True, type=float, help="0 = as fast as possible."
)
def replay(file: Path, speed: float) -> None:
    """Publish a recorded stream again, keeping each rig's order."""
    from simulators.recording import replay as replay_stream

    settings = get_settings()
    try:
        report = replay_stream(
            file, _mqtt(settings), speed if speed > 0 else None, protocol=settings.mqtt_protocol
        )
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"replayed {report.messages} message(s) on {report.topics} topic(s)")


@click.command("import-medef")
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option("--site", required=True)
@click.option("--rig", default="MEDEF", show_default=True, help="Rig id the piles belong to.")
def import_medef(files: tuple[Path, ...], site: str, rig: str) -> None:
    """Read Bauer MEDEF JSON rig logs in as piles, through the same validation as live data."""
    from alerts.rulebook import load_rulebook
    from ingest.batching import Received, build_batch
    from piles.evaluator import evaluate_and_store
    from simulators.medef import MedefError, load_medef, medef_events, medef_to_messages
    from storage.db import connect
    from storage.ingest_writer import IngestWriter
    from storage.migrations import migrate
    from telemetry.payload import ValidationLimits

    settings = get_settings()
    if not settings.database_url:
        raise click.UsageError("PILEWATCH_DATABASE_URL is not set")
    _site(site)
    if not ID_PATTERN.match(rig):
        raise click.BadParameter(f"rig {rig!r} must match [A-Za-z0-9_-]{{1,64}}")
    migrate(settings.database_url, settings)
    failed = 0
    with connect(settings.database_url) as conn:
        rulebook = load_rulebook(conn)
        for path in files:
            try:
                pile = load_medef(path)
            except MedefError as exc:
                click.echo(f"error: {exc}", err=True)
                failed += 1
                continue
            # The same file imported twice must give the same sample identities.
            boot = "medef-" + hashlib.sha256(path.read_bytes()).hexdigest()[:12]
            topic = f"pilewatch/v1/{site}/{rig}"
            items = [
                Received(f"{topic}/telemetry", json.dumps(m).encode(), i, 1, False, 0)
                for i, m in enumerate(medef_to_messages(pile, rig, site, boot))
            ] + [
                Received(f"{topic}/event", json.dumps(e).encode(), 0, 1, False, 0)
                for e in medef_events(pile, rig, boot)
            ]
            now = datetime.now(UTC)
            batch = build_batch(items, now, ValidationLimits())
            result = IngestWriter("import-medef").write(conn, batch, now)
            evaluate_and_store(conn, site, pile.name, rulebook=rulebook, now=now)
            click.echo(
                f"{path}: pile {pile.name!r}: {result.samples_stored} sample(s) stored,"
                f" {result.samples_duplicate} already there, {len(batch.rejections)} rejected"
            )
            for name in pile.unmapped_channels:
                click.echo(f"{path}: channel {name!r} kept unmapped")
            for note in pile.notes:
                click.echo(f"{path}: {note}")
    if failed:
        raise click.ClickException(f"{failed} file(s) could not be read")


@click.command()
@click.option("--live-interval", default=30.0, show_default=True, type=float)
@click.option("--silence", "silence_s", default=900.0, show_default=True, type=float)
@click.option("--rules", "rules_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def analyse(live_interval: float, silence_s: float, rules_file: Path | None) -> None:
    """Evaluate piles live as samples arrive, and run the alert timers and webhooks."""
    from alerts.rulebook import load_rulebook
    from alerts.service import run_alert_services
    from cli.main import stop_event_on_signals
    from piles.live_service import LiveEvaluator
    from storage.migrations import migrate

    settings = get_settings()
    if not settings.database_url:
        raise click.UsageError("PILEWATCH_DATABASE_URL is not set")
    migrate(settings.database_url, settings)
    stop = stop_event_on_signals()
    alerts = threading.Thread(
        target=run_alert_services,
        args=(settings.database_url, stop),
        kwargs={"rules_file": rules_file},
        name="alert-services",
        daemon=True,
    )
    alerts.start()
    LiveEvaluator(
        settings.database_url,
        lambda conn: load_rulebook(conn, rules_file),
        live_interval_s=live_interval,
        silence_s=silence_s,
    ).run(stop)
    alerts.join(10)


@click.command()
@click.option("--site", help="Only this site.")
def recompute(site: str | None) -> None:
    """Re-evaluate every stored pile from raw telemetry."""
    from alerts.rulebook import load_rulebook
    from piles.live_service import recompute_all
    from storage.db import connect

    settings = get_settings()
    if not settings.database_url:
        raise click.UsageError("PILEWATCH_DATABASE_URL is not set")
    with connect(settings.database_url) as conn:
        rulebook = load_rulebook(conn)
    click.echo(f"re-evaluated {recompute_all(settings.database_url, rulebook, site=site)} pile(s)")


def register(group: click.Group) -> None:
    for command in (simulate, record, replay, import_medef, analyse, recompute):
        group.add_command(command)
