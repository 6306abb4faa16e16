"""The `floorwatch` group, its commands, and `run`, the entry point (pyproject.toml)."""

from __future__ import annotations

import sys

import click

from floorwatch.cli.alarms import alarms_command
from floorwatch.cli.db import db_group
from floorwatch.cli.errors import EXIT_USAGE
from floorwatch.cli.ingest import ingest
from floorwatch.cli.one_shot import (
    actions_command,
    burnout_command,
    handover,
    report,
    snapshot,
    staffing,
)
from floorwatch.cli.schedule import schedule
from floorwatch.cli.simulated import demo, replay, simulate
from floorwatch.cli.viewing import dash, run_command, serve_web
from floorwatch.safe_text import printable


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="floorwatch")
def main() -> None:
    """floorwatch: live call-center floor monitoring in the terminal."""


# (A new command: a click command in the module of its kind, added here.)
for command in (
    ingest,
    snapshot,
    dash,
    run_command,
    burnout_command,
    actions_command,
    handover,
    alarms_command,
    simulate,
    demo,
    replay,
    staffing,
    report,
    serve_web,
    db_group,
    schedule,
):
    main.add_command(command)


def run() -> None:
    """The `floorwatch` command: click, with every error as one line and exit status 2."""
    try:
        main.main(standalone_mode=False)
    except click.exceptions.Exit as done:
        sys.exit(done.exit_code)
    except click.exceptions.Abort:
        click.echo("floorwatch: aborted", err=True)
        sys.exit(1)
    except click.UsageError as error:
        where = error.ctx.command_path if error.ctx is not None else "floorwatch"
        click.echo(
            f"floorwatch: error: {printable(error.format_message())} (see {where} --help)", err=True
        )
        sys.exit(EXIT_USAGE)
    except click.ClickException as error:
        error.show()
        sys.exit(error.exit_code)
