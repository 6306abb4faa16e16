"""The `floorwatch` command line: one sub-command per job, each a thin shell over the library.

Errors an operator can fix (a missing file, a wrong flag, a database that is not ours) are one
line on stderr and exit status 2; nothing here prints a traceback for them.
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import click

from floorwatch.sources.base import SourceError
from floorwatch.store import StoreError

EXIT_USAGE = 2


class FloorwatchError(click.ClickException):
    """A one-line error, exit status 2."""

    exit_code = EXIT_USAGE

    def show(self, file=None) -> None:
        click.echo(f"floorwatch: error: {self.format_message()}", err=True)


@contextmanager
def _errors() -> Iterator[None]:
    """Turn the library's expected failures into one-line CLI errors."""
    try:
        yield
    except (StoreError, SourceError) as error:
        raise FloorwatchError(str(error)) from None


@contextmanager
def _stop_on_signals() -> Iterator[threading.Event]:
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


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="floorwatch")
def main() -> None:
    """floorwatch: live call-center floor monitoring in the terminal."""


@main.command()
@click.option("--db", "db_path", required=True, type=click.Path(dir_okay=False),
              help="The SQLite database to write (created if missing).")
@click.option("--follow/--once", default=True, show_default=True,
              help="Keep following the sources, or load them to their end and exit.")
@click.option("--progress/--no-progress", default=None,
              help="Progress bar for --once (default: when stderr is a terminal).")
@click.option("--poll", "poll_interval", default=0.5, show_default=True, type=float,
              help="Seconds between checks of a file when notifications say nothing.")
@click.argument("sources", nargs=-1, required=True, metavar="SOURCE...")
def ingest(db_path: str, follow: bool, progress: bool | None, poll_interval: float,
           sources: tuple[str, ...]) -> None:  # fmt: skip
    """Load call events from SOURCE... into the database, exactly once.

    SOURCE is KIND:LOCATION, for example queue_log:/var/log/asterisk/queue_log, or jsonl:-
    for canonical JSON Lines on standard input.
    """
    from floorwatch.ingest import Ingest
    from floorwatch.progress import IngestProgress
    from floorwatch.sources import open_source
    from floorwatch.store import Store

    with _errors():
        show_progress = (not follow) and (sys.stderr.isatty() if progress is None else progress)
        bar = IngestProgress(enabled=show_progress)
        feeds = [
            open_source(spec, follow=follow, poll_interval=poll_interval, progress=bar.update)
            for spec in sources
        ]
        for feed in feeds:
            feed.check()
        store = Store.open(db_path)
        try:
            with _stop_on_signals() as stop, bar:
                for feed in feeds:
                    bar.add(feed.name, feed.size())
                run = Ingest(store, feeds)
                summary = run.run(stop)
        finally:
            store.close()
    if not follow or run.errors:
        click.echo(
            f"{summary.events} events, {summary.rejects} rejects, {summary.calls} calls, "
            f"{summary.agents} agents in {summary.elapsed_s:.2f} s "
            f"({summary.events_per_s:,.0f} events/s)"
        )
    for name, error in run.errors:
        if isinstance(error, (SourceError, StoreError, OSError)):
            raise FloorwatchError(f"{name}: {error}")
        raise error
