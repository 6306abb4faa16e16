"""`floorwatch schedule import FILE`: the planned activities adherence is measured against."""

from __future__ import annotations

import click

from floorwatch.cli.errors import FloorwatchError, errors
from floorwatch.cli.options import config_option, database_path, db_option, load_config


@click.group("schedule")
def schedule() -> None:
    """The agents' schedule: shifts and activities that adherence is measured against."""


@schedule.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@db_option("The floorwatch database; default: the config's.")
@config_option("floorwatch.toml (its time zone; [agents] display_names count as known agents).")
@click.option(
    "--any-agent",
    is_flag=True,
    help="Accept agents the store has not seen yet (a schedule imported before the first shift).",
)
def import_command(
    file: str, db_path: str | None, config_path: str | None, any_agent: bool
) -> None:
    """Import a CSV schedule (agent,date,start,end,activity; local times): every line is
    checked first, and nothing is imported unless all of them are good. Re-importing an
    agent's day replaces it."""
    from floorwatch.sources.schedule_csv import parse_schedule
    from floorwatch.store.schedules import known_agents, replace_schedule

    config = load_config(config_path)
    database = database_path(db_path, config)
    try:
        with open(file, encoding="utf-8-sig") as handle:
            text = handle.read()
    except (OSError, UnicodeDecodeError) as error:
        raise FloorwatchError(
            f"{file}: cannot read ({getattr(error, 'strerror', None) or error})"
        ) from None
    with errors(database):
        known: set[str] = set()
        if not any_agent:
            known = known_agents(database) | set(config.agents.display_names)
            known |= set(config.agents.aliases.values())
        parsed = parse_schedule(text, known, config.tzinfo())
        if parsed.errors:
            for message in parsed.errors:
                click.echo(f"floorwatch: {file}: {message}", err=True)
            raise FloorwatchError(f"{file}: {len(parsed.errors)} bad line(s); nothing imported")
        count = replace_schedule(database, parsed.rows)
    agents = len({row.agent for row in parsed.rows})
    days = len({row.day for row in parsed.rows})
    click.echo(f"{count} activities of {agents} agents over {days} days imported into {database}")
