"""`pilewatch evaluate GROUND_TRUTH` and `pilewatch alerts …` (rules check, services)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from runtime.settings import get_settings


def _migrated_url() -> str:
    from storage.migrations import migrate

    settings = get_settings()
    if not settings.database_url:
        raise click.UsageError(
            "PILEWATCH_DATABASE_URL is not set (only `pilewatch up` starts an embedded database)"
        )
    migrate(settings.database_url, settings)
    return settings.database_url


@click.command("evaluate")
@click.argument("ground_truth", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--site", default=None, help="Only alerts of this site.")
@click.option(
    "--tolerance-m", default=0.5, show_default=True, type=float, help="Depth overlap slack."
)
def evaluate(ground_truth: Path, site: str | None, tolerance_m: float) -> None:
    """Precision and recall per rule of the alerts in the database against a scenario's
    ground truth (JSON written by the simulator)."""
    from alerts.scoring import RaisedAlert, format_table, score
    from simulators.scenarios import read_ground_truth
    from storage.db import connect

    try:
        truth = read_ground_truth(ground_truth)
    except (ValueError, TypeError) as exc:
        raise click.ClickException(f"{ground_truth}: not a ground-truth file ({exc})") from None
    with connect(_migrated_url()) as conn:
        rows: list[dict[str, Any]] = conn.execute(
            "SELECT rig_id, pile_id, rule, depth_top_m, depth_bottom_m FROM alerts"
            " WHERE %(site)s::text IS NULL OR site_id = %(site)s ORDER BY id",
            {"site": site},
        ).fetchall()
    raised = [
        RaisedAlert(r["rig_id"], r["pile_id"], r["rule"], r["depth_top_m"], r["depth_bottom_m"])
        for r in rows
    ]
    click.echo(format_table(score(raised, truth, tolerance_m)))


@click.group("alerts")
def alerts() -> None:
    """Alert rules and the alert services."""


@alerts.command("check-rules")
@click.argument("rules_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--site", default="*", show_default=True)
@click.option("--pile-type", "pile_types", multiple=True, help="Rig kind or process code.")
def check_rules(rules_file: Path, site: str, pile_types: tuple[str, ...]) -> None:
    """Validate a rules file (TOML or JSON); print the effective rules digest."""
    from alerts.rulebook import load_rulebook
    from alerts.rules import RulesError

    try:
        book = load_rulebook(None, rules_file)
    except RulesError as exc:
        for issue in exc.issues:
            click.echo(str(issue), err=True)
        raise click.ClickException(f"{len(exc.issues)} invalid setting(s)") from None
    click.echo(f"rules ok; effective digest {book.for_pile(site, pile_types).digest}")


@alerts.command("run")
@click.option("--rules", "rules_file", type=click.Path(exists=True, dir_okay=False), default=None)
@click.option("--interval", default=15.0, show_default=True, type=click.FloatRange(min=0.5))
def run(rules_file: str | None, interval: float) -> None:
    """Rig silent / offline checks, escalation and webhook delivery, until Ctrl-C."""
    from alerts.service import run_alert_services
    from cli.main import stop_event_on_signals

    url = _migrated_url()
    run_alert_services(url, stop_event_on_signals(), rules_file=rules_file, interval_s=interval)


def register(main: click.Group) -> None:
    main.add_command(evaluate)
    main.add_command(alerts)
