"""`floorwatch alarms`: the alarms the ingest raised, newest first (read-only)."""

from __future__ import annotations

import click

from floorwatch.cli.errors import errors
from floorwatch.cli.options import (
    config_option,
    database_path,
    db_option,
    load_config,
    parse_duration,
    parse_instant,
)


@click.command("alarms")
@db_option()
@config_option()
@click.option(
    "--since",
    "since",
    default="1d",
    show_default=True,
    metavar="DURATION",
    help="How far back: 90m, 12h, 7d...",
)
@click.option(
    "--at",
    "at",
    default=None,
    metavar="TIME",
    help="The alarms as they stood at TIME (ISO 8601 local time or epoch seconds).",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def alarms_command(
    db_path: str | None, config_path: str | None, since: str, at: str | None, as_json: bool
) -> None:
    """The alarms raised (and cleared) in the period, newest first."""
    import json

    from rich.console import Console

    from floorwatch.modes.one_shot import read_alarms
    from floorwatch.reports.alarm_list import alarm_table

    config = load_config(config_path)
    database = database_path(db_path, config)
    window_s = parse_duration(since)
    instant = parse_instant(at, config) if at is not None else None
    with errors(database):
        window = read_alarms(database, window_s, instant)
    if as_json:
        click.echo(
            json.dumps(
                {
                    "since": window.since,
                    "until": window.until,
                    "alarms": [alarm.to_dict() for alarm in window.alarms],
                },
                indent=2,
            )
        )
        return
    Console(width=160, markup=False, emoji=False).print(
        alarm_table(window.alarms, window.until, config.tzinfo())
    )
