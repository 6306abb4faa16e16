"""The commands of floors that are not live: `simulate` (a day to a file), `demo` (a simulated
floor through the whole pipeline) and `replay` (a recorded day again, faster)."""

from __future__ import annotations

import time

import click

from floorwatch.cli.errors import FloorwatchError, check_dashboard, errors
from floorwatch.cli.options import (
    Duration,
    config_option,
    db_option,
    floor_size,
    load_config,
    parse_instant,
)
from floorwatch.config import Config


def print_floor(floor, config: Config, as_json: bool = False, totals: bool = False) -> None:
    """The floor as tables (or JSON); `totals` adds a line of how many queues, agents, flags."""
    import json

    from floorwatch.reports.snapshot_text import print_snapshot

    if as_json:
        click.echo(json.dumps(floor.to_dict(), indent=2))
        return
    print_snapshot(floor, config.tzinfo())
    if totals:
        flags = sum(len(agent.flags) for agent in floor.agents.values())
        click.echo(f"{len(floor.queues)} queues, {len(floor.agents)} agents, {flags} burnout flags")


@click.command()
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(dir_okay=False, writable=True),
    help="The queue_log file to write (replaced).",
)
@click.option(
    "--hours",
    default=24.0,
    show_default=True,
    type=click.FloatRange(0.01, 24 * 60),
    help="Simulated hours to write, from local midnight of the day.",
)
@click.option(
    "--start",
    "start",
    default=None,
    metavar="TIME",
    help="The simulated day (ISO 8601 date or time, epoch seconds, yesterday 08:00, -1d "
    "09:00); default: today.",
)
@click.option(
    "--history-days",
    default=0,
    show_default=True,
    type=click.IntRange(0, 366),
    help="Whole days simulated before it (for baselines such as slowing down).",
)
@click.option(
    "--schedule",
    "schedule",
    default=None,
    type=click.Path(dir_okay=False, writable=True),
    help="Also write the agents' planned shifts and breaks as CSV (for `schedule import`).",
)
@click.option(
    "--timezone",
    "timezone",
    default="UTC",
    show_default=True,
    help="The floor's time zone (its working day is in local time).",
)
@floor_size
def simulate(
    out: str,
    hours: float,
    start: str | None,
    history_days: int,
    schedule: str | None,
    timezone: str,
    agents: int,
    queues: int,
    seed: int,
) -> None:
    """Write a simulated floor as Asterisk queue_log lines, as fast as possible."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    from floorwatch.sources.simulator import SimConfig, Simulator, day_bounds, write_floor

    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise FloorwatchError(f"--timezone {timezone!r}: not a known time zone") from None
    config = Config(timezone=timezone)
    instant = parse_instant(start, config) if start else None
    sim_config = SimConfig(
        agents=agents,
        queues=queues,
        seed=seed,
        start=instant,
        timezone=timezone,
        history_days=history_days,
    )
    until = day_bounds(Simulator(sim_config))[0] + hours * 3600
    started = time.perf_counter()
    try:
        count = write_floor(out, sim_config, until, schedule)
    except OSError as error:
        raise FloorwatchError(f"{out}: {error.strerror or error}") from None
    elapsed = time.perf_counter() - started
    click.echo(
        f"{count} lines to {out} in {elapsed:.2f} s ({count / max(elapsed, 1e-9):,.0f} lines/s)"
    )


@click.command()
@click.option(
    "--dir",
    "folder",
    default="floorwatch-demo",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Working folder (created, reused).",
)
@click.option(
    "--speed",
    default=1.0,
    show_default=True,
    type=click.FloatRange(0.1, 3600),
    help="Simulated seconds per real second once live.",
)
@click.option("--headless", is_flag=True, help="No screen: run, then print the floor.")
@click.option(
    "--seconds",
    default="20s",
    show_default=True,
    type=Duration(allow_zero=True, most=86400),
    metavar="DURATION",
    help="With --headless: how long to run live (20s, 5m).",
)
@click.option("--json", "as_json", is_flag=True, help="With --headless: print JSON.")
@floor_size
def demo(
    folder: str,
    speed: float,
    headless: bool,
    seconds: float,
    as_json: bool,
    agents: int,
    queues: int,
    seed: int,
) -> None:
    """A living floor: simulator -> queue_log -> ingest -> dashboard, in one command."""
    from pathlib import Path

    from floorwatch.modes.demo import Demo, DemoOptions

    options = DemoOptions(folder=Path(folder), agents=agents, queues=queues, seed=seed, speed=speed)
    try:
        run = Demo(options)
        click.echo(
            f"floorwatch demo in {run.folder}/: simulating the last "
            f"{options.history_days} days and this morning...",
            err=True,
        )
        run.prepare()
    except OSError as error:
        raise FloorwatchError(f"{folder}: {error.strerror or error}") from None
    run.start()
    if headless:
        print_floor(run.floor_after(seconds), run.config, as_json, totals=True)
    else:
        check_dashboard(run.show().failure)
    for error in run.ingest_errors:
        raise FloorwatchError(error)


@click.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.option(
    "--speed",
    default=10.0,
    show_default=True,
    type=click.FloatRange(0.01, 100000),
    help="How many times faster than it happened.",
)
@click.option(
    "--to",
    "jump",
    default=None,
    metavar="HH:MM",
    help="Start the replay at this time of the recorded day.",
)
@db_option("The fresh store to replay into (default: a temporary one).")
@click.option(
    "--format",
    "format",
    default=None,
    type=click.Choice(["queue_log", "jsonl"]),
    help="The file's format (default: from its name; .jsonl is JSON Lines).",
)
@config_option("floorwatch.toml for thresholds, names and the time zone.")
@click.option("--headless", is_flag=True, help="No screen: replay to the end, print the floor.")
def replay(
    file: str,
    speed: float,
    jump: str | None,
    db_path: str | None,
    format: str | None,
    config_path: str | None,
    headless: bool,
) -> None:
    """Replay a recorded queue_log or JSON Lines file into a fresh store, N times faster."""
    from floorwatch.modes.replay import Replay, ReplayOptions

    config = load_config(config_path)
    with errors():
        run = Replay(
            ReplayOptions(file, speed=speed, jump=jump, db_path=db_path, format=format), config
        )
    run.start()
    if headless:
        print_floor(run.to_end(), config)
    else:
        check_dashboard(run.show().failure)
