"""`floorwatch ingest`: feeds into the database, exactly once (floorwatch/modes/ingest_only.py)."""

from __future__ import annotations

import logging
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import click

from floorwatch.cli.errors import FloorwatchError, errors
from floorwatch.cli.options import (
    Duration,
    config_option,
    database_path,
    db_option,
    load_config,
)
from floorwatch.safe_text import printable
from floorwatch.sources.base import SourceError
from floorwatch.store.database import StoreError


@contextmanager
def stop_on_signals() -> Iterator[threading.Event]:
    """SIGINT and SIGTERM set the event: the ingest stops after committing what it has."""
    stop = threading.Event()
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}

    def request_stop(signum, frame) -> None:
        stop.set()

    for sig in previous:
        signal.signal(sig, request_stop)
    try:
        yield stop
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def say_publishing() -> None:
    """The publisher's changes of health (bus away, back, caught up after) said like every
    other warning of the ingest: one `floorwatch: warning:` line each, on stderr."""
    logger = logging.getLogger("floorwatch.ingest.publisher")
    if logger.handlers:
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("floorwatch: warning: %(message)s"))
    handler.setLevel(logging.WARNING)
    logger.addHandler(handler)
    logger.propagate = False


def say_loss(source: str, loss) -> None:
    """A part of a feed that could not be read: said at once, in one line (also in feed
    health and the feed_losses table)."""
    click.echo(f"floorwatch: warning: {printable(source)}: {printable(loss.describe())}", err=True)


@click.command()
@db_option("The SQLite database to write (created if missing); default: the config's.")
@config_option("floorwatch.toml: its sources, database, agent aliases and wrap-up reasons.")
@click.option(
    "--follow/--once",
    default=True,
    show_default=True,
    help="Keep following the sources, or load them to their end and exit.",
)
@click.option(
    "--progress/--no-progress",
    default=None,
    help="Progress bar for --once (default: when stderr is a terminal).",
)
@click.option(
    "--poll",
    "poll_interval",
    default="0.5s",
    show_default=True,
    type=Duration(most=3600),
    metavar="DURATION",
    help="How long between checks of a file when notifications say nothing.",
)
@click.option(
    "--rotation-grace",
    "rotation_grace",
    default="5s",
    show_default=True,
    type=Duration(allow_zero=True, most=3600),
    metavar="DURATION",
    help="How long a rotated file is still read after the new one appeared and it "
    "went quiet (the PBX writes to it until it reopens its log).",
)
@click.option(
    "--burnout/--no-burnout",
    default=True,
    show_default=True,
    help="Evaluate the burnout rules and keep their flags in the database.",
)
@click.option(
    "--burnout-every",
    "burnout_every",
    default=None,
    type=Duration(),
    metavar="DURATION",
    help="How often to evaluate burnout: following, by the clock (default 5s); "
    "with --once, by the feed's time (default: once, at the end; 15m keeps a "
    "history of a past day's flags).",
)
@click.option(
    "--alarms/--no-alarms",
    default=None,
    help="Evaluate the alarm rules, keep the alarms and send [[alarms.notify]] (default: the "
    "config's [alarms] enabled; with --once, one round at the end and no notifications).",
)
@click.argument("sources", nargs=-1, metavar="SOURCE...")
def ingest(
    db_path: str | None,
    config_path: str | None,
    follow: bool,
    progress: bool | None,
    poll_interval: float,
    rotation_grace: float,
    burnout: bool,
    burnout_every: float | None,
    alarms: bool | None,
    sources: tuple[str, ...],
) -> None:
    """Load call events from SOURCE... into the database, exactly once.

    SOURCE is KIND:LOCATION, for example queue_log:/var/log/asterisk/queue_log, or jsonl:-
    for canonical JSON Lines on standard input. Without SOURCE, the config's [[sources]].
    """
    from floorwatch.modes.feeds import feed_specs
    from floorwatch.modes.ingest_only import IngestOptions, ingest_feeds

    config = load_config(config_path)
    database = database_path(db_path, config)
    specs = feed_specs(sources, config)
    if not specs:
        raise FloorwatchError("no sources: give SOURCE... or a config file with [[sources]]")
    options = IngestOptions(
        follow=follow,
        progress=(not follow) and (sys.stderr.isatty() if progress is None else progress),
        poll_interval=poll_interval,
        rotation_grace=rotation_grace,
        burnout=burnout,
        burnout_every_s=burnout_every if burnout and burnout_every else None,
        alarms=config.alarms.enabled if alarms is None else alarms,
    )
    # Signals first: a stop asked for while the store opens (waiting for a killed ingest's
    # writer to finish) is a clean stop once it is open, not a death by signal.
    if config.publish:
        say_publishing()
    with errors(database), stop_on_signals() as stop:
        outcome = ingest_feeds(database, config, specs, options, stop, on_loss=say_loss)
    summary = outcome.summary
    if not follow or outcome.errors:
        partial = summary.partial_lines
        click.echo(
            f"{summary.events} events, {summary.rejects} rejects, {summary.calls} calls, "
            f"{summary.agents} agents in {summary.elapsed_s:.2f} s "
            f"({summary.events_per_s:,.0f} events/s)"
            + (
                f", {partial} partial line{'s' if partial > 1 else ''} not read (no newline yet)"
                if partial
                else ""
            )
            + (
                f", {len(summary.losses)} lost part{'s' if len(summary.losses) > 1 else ''} of "
                "feeds (see above)"
                if summary.losses
                else ""
            )
        )
    for name, error in outcome.errors:
        if isinstance(error, (SourceError, StoreError, OSError)):
            raise FloorwatchError(f"{name}: {error}")
        raise error
