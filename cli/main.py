"""The `pilewatch` command: thin click wrappers over service functions."""

from __future__ import annotations

import logging
import signal
import sys
import threading
from pathlib import Path

import click

from runtime.settings import Settings, get_settings


def _settings() -> Settings:
    return get_settings()


def _database_url(settings: Settings) -> str:
    if not settings.database_url:
        raise click.UsageError(
            "PILEWATCH_DATABASE_URL is not set (only `pilewatch up` starts an embedded database)"
        )
    return settings.database_url


def _mqtt_url(settings: Settings) -> str:
    if not settings.mqtt_url:
        raise click.UsageError(
            "PILEWATCH_MQTT_URL is not set (only `pilewatch up` starts a broker for the run)"
        )
    return settings.mqtt_url


def stop_event_on_signals() -> threading.Event:
    stop = threading.Event()

    def _handler(signum: int, frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGINT, _handler)
    signal.signal(signal.SIGTERM, _handler)
    return stop


@click.group()
@click.option("--log-level", default="INFO", show_default=True, help="Python logging level.")
def main(log_level: str) -> None:
    """pilewatch (软基智控): live quality monitoring of cement-soil mixing piles."""
    logging.basicConfig(
        level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )


@main.command()
@click.option("--rigs", default=6, show_default=True, type=click.IntRange(1, 1000))
@click.option("--scenario", default="mixed", show_default=True)
@click.option("--speed", default=30.0, show_default=True, type=float, help="Simulated s per s.")
@click.option("--piles", default=60, show_default=True, type=click.IntRange(1, 100_000))
@click.option("--api-port", default=8000, show_default=True, type=int)
@click.option("--dashboard-port", default=8501, show_default=True, type=int)
@click.option("--no-dashboard", is_flag=True, help="Run without the Streamlit dashboard.")
def up(
    rigs: int,
    scenario: str,
    speed: float,
    piles: int,
    api_port: int,
    dashboard_port: int,
    no_dashboard: bool,
) -> None:
    """The whole system on one machine, with embedded defaults when nothing is configured."""
    from runtime.up import UpOptions, run_up

    stop = stop_event_on_signals()
    options = UpOptions(
        rigs=rigs,
        scenario=scenario,
        speed=speed,
        piles=piles,
        api_port=api_port,
        dashboard_port=dashboard_port,
        dashboard=not no_dashboard,
    )
    sys.exit(run_up(_settings(), options, stop))


@main.command()
def migrate() -> None:
    """Apply database migrations and exit."""
    from storage.migrations import migrate as run_migrations

    settings = _settings()
    applied = run_migrations(_database_url(settings), settings)
    click.echo(f"applied {len(applied)} migration(s): {applied}")


@main.command()
def ingest() -> None:
    """Run the MQTT → database ingester (configured from PILEWATCH_*)."""
    from ingest.service import Ingester
    from storage.migrations import migrate as run_migrations

    settings = _settings()
    database_url = _database_url(settings)
    run_migrations(database_url, settings)
    stop = stop_event_on_signals()
    Ingester(settings, database_url, _mqtt_url(settings)).run(stop)


@main.group()
def plan() -> None:
    """Site plans (contract §2)."""


@plan.command("import")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--site", required=True, help="Site id the plan belongs to.")
def plan_import(csv_file: Path, site: str) -> None:
    """Load a site plan CSV; re-importing updates planned piles, recorded data is untouched."""
    from siteplan.csv_format import PlanError, parse_plan_csv
    from storage.db import connect
    from storage.migrations import migrate as run_migrations
    from storage.plans import import_plan
    from telemetry.topics import ID_PATTERN

    if not ID_PATTERN.match(site):
        raise click.BadParameter(f"site {site!r} must match [A-Za-z0-9_-]{{1,64}}")
    try:
        piles = parse_plan_csv(csv_file.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise click.ClickException(f"{csv_file}: not UTF-8 ({exc})") from None
    except PlanError as exc:
        for error in exc.errors:
            click.echo(f"{csv_file}: {error}", err=True)
        raise click.ClickException(
            f"{csv_file}: {len(exc.errors)} error(s), nothing imported"
        ) from None
    settings = _settings()
    url = _database_url(settings)
    run_migrations(url, settings)
    with connect(url) as conn:
        result = import_plan(conn, site, piles)
    click.echo(f"site {site}: {result.inserted} planned pile(s) added, {result.updated} updated")


from cli.api_commands import api as api_command  # noqa: E402
from cli.api_commands import token as token_group  # noqa: E402

main.add_command(api_command)
main.add_command(token_group)

from cli.ledger_commands import register as _register_ledger  # noqa: E402

_register_ledger(main)


from cli.dashboard_commands import dashboard as dashboard_command  # noqa: E402

main.add_command(dashboard_command)

from cli.alert_commands import register as _register_alerts  # noqa: E402

_register_alerts(main)

from cli.sim_commands import register as _register_simulators  # noqa: E402

_register_simulators(main)

if __name__ == "__main__":
    sys.exit(main())
