"""What several commands parse alike: the config and the database they name, durations,
instants, and the options the dashboard commands and the simulated floor share."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date, datetime
from typing import TypeVar

import click

from floorwatch import when
from floorwatch.cli.errors import FloorwatchError, errors
from floorwatch.config import Config
from floorwatch.display_config import START_SCREENS
from floorwatch.modes.view import ViewerOptions

Command = TypeVar("Command", bound=Callable)


#: What --db and --config say when a command has nothing more particular to say.
READ_ONLY_DB_HELP = "The floorwatch database (opened read-only); default: the config's."
CONFIG_HELP = "floorwatch.toml (default: $FLOORWATCH_CONFIG or ./floorwatch.toml)."


def db_option(help: str = READ_ONLY_DB_HELP) -> Callable[[Command], Command]:
    """`--db PATH` as every command takes it (into `db_path`)."""
    return click.option("--db", "db_path", default=None, type=click.Path(dir_okay=False), help=help)


def config_option(help: str = CONFIG_HELP) -> Callable[[Command], Command]:
    """`--config FILE` as every command takes it (into `config_path`)."""
    return click.option(
        "--config", "config_path", default=None, type=click.Path(dir_okay=False), help=help
    )


def load_config(path: str | None) -> Config:
    """--config FILE, else $FLOORWATCH_CONFIG or ./floorwatch.toml, else the defaults."""
    from floorwatch import config

    with errors():
        return config.load(path if path is not None else config.default_config_path())


def database_path(db_path: str | None, config: Config) -> str:
    """--db, else the config file's `database` (relative to the file)."""
    if db_path is not None:
        return db_path
    if config.path is not None:
        return str(config.resolve(config.database))
    raise FloorwatchError("no database: give --db PATH or --config FILE")


def parse_duration(text: str, *, allow_zero: bool = False) -> float:
    """Seconds from 90, 90s, 15m, 1h30m, 2h or 7d (`when.py`: one syntax for every option)."""
    try:
        return when.parse_duration(text, allow_zero=allow_zero)
    except ValueError as error:
        raise FloorwatchError(str(error)) from None


def parse_instant(text: str, config: Config, now: float | None = None) -> float:
    """Epoch seconds, an ISO 8601 local time (in the config's zone) such as 2026-11-24T14:00,
    `now`, `-2h`, `14:00` or `yesterday 14:00`."""
    try:
        return when.parse_instant(text, time.time() if now is None else now, config.tzinfo())
    except ValueError as error:
        raise FloorwatchError(str(error)) from None


def parse_day(text: str, config: Config, now: float | None = None, option: str = "--date") -> date:
    """An ISO date, `today`, `yesterday` or `-3d`, today being the config's zone's."""
    today = datetime.fromtimestamp(time.time() if now is None else now, config.tzinfo()).date()
    try:
        return when.parse_day(text, today)
    except ValueError as error:
        raise FloorwatchError(f"{option} {error}") from None


class Duration(click.ParamType):
    """A click option that takes the one duration syntax and hands the command seconds."""

    name = "duration"

    def __init__(
        self, *, allow_zero: bool = False, least: float | None = None, most: float | None = None
    ) -> None:
        self.allow_zero = allow_zero
        self.least = least
        self.most = most

    def convert(self, value, param, ctx) -> float:
        if isinstance(value, int | float):
            return float(value)
        try:
            seconds = when.parse_duration(str(value), allow_zero=self.allow_zero)
        except ValueError as error:
            self.fail(str(error), param, ctx)
        if self.least is not None and seconds < self.least:
            self.fail(f"{value!r}: at least {self.least:g} seconds", param, ctx)
        if self.most is not None and seconds > self.most:
            self.fail(f"{value!r}: at most {self.most:g} seconds", param, ctx)
        return seconds


def viewer_options(command: Command) -> Command:
    """Options every dashboard command shares (see `viewer`)."""
    options = [
        click.option("--wall", is_flag=True, help="Start in wallboard mode (big digits)."),
        click.option(
            "--queue",
            "wall_queue",
            default=None,
            metavar="QUEUE",
            help="Wallboard for this queue only.",
        ),
        click.option(
            "--rotate",
            "rotate_s",
            default=None,
            type=Duration(least=1),
            metavar="DURATION",
            help="Wallboard: show one queue at a time, rotating every DURATION (10s, 1m).",
        ),
        click.option(
            "--start",
            default="floor",
            show_default=True,
            type=click.Choice(START_SCREENS),
            help="The screen to open on: the floor, the wallboard or the floor map.",
        ),
        click.option(
            "--theme",
            default=None,
            metavar="NAME",
            help="Textual theme (textual-dark, textual-light, ...); default: the "
            "config's [display] theme.",
        ),
        click.option(
            "--bell/--no-bell",
            default=None,
            help="Ring the terminal bell once per newly raised alarm (default: the config's "
            "[alarms] bell).",
        ),
        click.option(
            "--no-blink",
            "no_blink",
            is_flag=True,
            help="Alarms do not blink (NO_COLOR does the same).",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def viewer(
    wall: bool,
    wall_queue: str | None,
    rotate_s: float | None,
    start: str = "floor",
    theme: str | None = None,
    bell: bool | None = None,
    no_blink: bool = False,
) -> ViewerOptions:
    """The `viewer_options` flags, as the modes take them."""
    return ViewerOptions(
        wall=wall,
        wall_queue=wall_queue,
        rotate_s=rotate_s,
        start=start,
        theme=theme,
        bell=bell,
        blink=False if no_blink else None,
    )


def floor_size(command: Command) -> Command:
    """--agents, --queues, --seed: the simulated floor's size and its dice."""
    for option in reversed(
        [
            click.option(
                "--agents",
                default=24,
                show_default=True,
                type=click.IntRange(1, 5000),
                help="Agents on the simulated floor.",
            ),
            click.option(
                "--queues",
                default=3,
                show_default=True,
                type=click.IntRange(1, 200),
                help="Queues on the simulated floor.",
            ),
            click.option(
                "--seed",
                default=1,
                show_default=True,
                type=int,
                help="The same seed gives the same day.",
            ),
        ]
    ):
        command = option(command)
    return command
