"""The commands that show the floor: `dash` (a viewer), `run` (an ingest beside one dashboard)
and `serve-web` (dashboards in browsers). The modes they start are in floorwatch/modes/."""

from __future__ import annotations

import sys
from dataclasses import replace

import click

from floorwatch.cli.errors import FloorwatchError, check_dashboard, errors
from floorwatch.cli.options import (
    config_option,
    database_path,
    db_option,
    load_config,
    viewer,
    viewer_options,
)


@click.command()
@db_option()
@config_option()
@viewer_options
@click.option(
    "--read-only",
    "read_only",
    is_flag=True,
    help="No action keys, even where the ingest's control socket would take them "
    "(for an SSH key that must only watch).",
)
def dash(
    db_path: str | None,
    config_path: str | None,
    wall: bool,
    wall_queue: str | None,
    rotate_s: float | None,
    start: str,
    theme: str | None,
    read_only: bool,
    bell: bool | None,
    no_blink: bool,
) -> None:
    """Open the floor dashboard: a read-only viewer (any number may run beside the ingest)."""
    import os

    from floorwatch.modes.dashboard_run import failure_line, run_dashboard
    from floorwatch.store.database import Store

    config = load_config(config_path)
    database = database_path(db_path, config)
    with errors():
        Store.open_readonly(database).close()  # fail here, in one line, not inside the screen
    if not os.environ.get("TEXTUAL_DRIVER") and not (sys.stdin.isatty() and sys.stdout.isatty()):
        # Over SSH a command given to a dashboard-only key lands here without a terminal.
        raise FloorwatchError("the dashboard needs a terminal (over SSH: ssh -t)")
    view = replace(
        viewer(wall, wall_queue, rotate_s, start, theme, bell, no_blink), read_only=read_only
    )
    app = run_dashboard(database, config, view)
    check_dashboard(failure_line(app))


@click.command("run")
@click.option(
    "--config",
    "config_path",
    required=True,
    type=click.Path(dir_okay=False),
    help="floorwatch.toml with [[sources]] and the database to write.",
)
@viewer_options
def run_command(
    config_path: str,
    wall: bool,
    wall_queue: str | None,
    rotate_s: float | None,
    start: str,
    theme: str | None,
    bell: bool | None,
    no_blink: bool,
) -> None:
    """Ingest the config's sources and show the dashboard, in one process (one screen)."""
    from floorwatch.modes.single_screen import SingleScreen

    config = load_config(config_path)
    database = database_path(None, config)
    if not config.sources:
        raise FloorwatchError(f"{config_path}: no [[sources]] to ingest")
    screen = SingleScreen(config, database)
    with errors():
        screen.open()
    outcome = screen.run(viewer(wall, wall_queue, rotate_s, start, theme, bell, no_blink))
    check_dashboard(outcome.failure)
    if outcome.ingest_errors:
        raise FloorwatchError(f"ingest: {outcome.ingest_errors[0]}")


def is_loopback(host: str) -> bool:
    """`localhost` or a loopback address (a wildcard address is not: it listens on every one)."""
    import ipaddress

    try:
        return host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@click.command("serve-web")
@db_option("The floorwatch database (read-only); default: the config's.")
@config_option("floorwatch.toml (thresholds, names, time zone).")
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on. Anything but loopback needs --allow-remote.",
)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option(
    "--allow-remote",
    is_flag=True,
    help="Listen on a non-loopback address (there is no authentication: put a "
    "reverse proxy with authentication in front, see docs/deploy.md).",
)
@click.option("--public-url", default=None, help="The URL browsers use (behind a proxy).")
@click.option(
    "--font-size",
    default=16,
    show_default=True,
    type=click.IntRange(6, 200),
    help="The page's font size in pixels (a TV across the room: 24-40); a page "
    "may still ask for its own with ?fontsize=N.",
)
@viewer_options
def serve_web(
    db_path: str | None,
    config_path: str | None,
    host: str,
    port: int,
    allow_remote: bool,
    public_url: str | None,
    font_size: int,
    wall: bool,
    wall_queue: str | None,
    rotate_s: float | None,
    start: str,
    theme: str | None,
    bell: bool | None,
    no_blink: bool,
) -> None:
    """Serve the dashboard to browsers (textual-serve): one read-only viewer per page."""
    from pathlib import Path

    from floorwatch.store.database import Store

    config = load_config(config_path)
    database = str(Path(database_path(db_path, config)).absolute())
    with errors():
        Store.open_readonly(database).close()
    if not is_loopback(host):
        if not allow_remote:
            raise FloorwatchError(
                f"--host {host}: the web dashboard has no authentication; to listen beyond "
                "this machine add --allow-remote and put it behind a reverse proxy that "
                "authenticates (docs/deploy.md)"
            )
        click.echo(
            f"floorwatch: warning: serving on {host}:{port} WITHOUT AUTHENTICATION: anyone "
            "who can reach it sees the floor. Put it behind a reverse proxy with "
            "authentication (docs/deploy.md).",
            err=True,
        )
    from floorwatch.modes.web import dashboard_server

    try:
        server = dashboard_server(
            database,
            config,
            viewer(wall, wall_queue, rotate_s, start, theme, bell, no_blink),
            host=host,
            port=port,
            public_url=public_url,
            font_size=font_size,
        )
    except ValueError as error:
        raise FloorwatchError(str(error)) from None
    server.serve()
