"""The `floorwatch` command line: one sub-command per job, each a thin shell over the library.

Errors an operator can fix (a missing file, a wrong flag, a database that is not ours) are one
line on stderr and exit status 2; nothing here prints a traceback for them.
"""

from __future__ import annotations

import signal
import sqlite3
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import click

from floorwatch.store.faults import sqlite_fault
from floorwatch.config import Config, ConfigError
from floorwatch.safe_text import printable
from floorwatch.sources.base import SourceError
from floorwatch.store.database import StoreError

EXIT_USAGE = 2


class FloorwatchError(click.ClickException):
    """A one-line error, exit status 2."""

    exit_code = EXIT_USAGE

    def show(self, file=None) -> None:
        # (An error can quote what a feed sent: it is shown printable, like every name.)
        click.echo(f"floorwatch: error: {printable(self.format_message())}", err=True)


class DashboardFailed(FloorwatchError):
    """The dashboard ended on an internal error: one line, exit status 1."""

    exit_code = 1


def _check_dashboard(app, ingest_note: str | None = None) -> None:
    """After `app.run()`: an app that ended on an error is one line and a non-zero exit."""
    from floorwatch.modes.dashboard_run import failure_line

    failed = failure_line(app)
    if failed:
        raise DashboardFailed(f"{failed}; {ingest_note}" if ingest_note else failed)


@contextmanager
def _errors(database: str | None = None) -> Iterator[None]:
    """Turn the library's expected failures into one-line CLI errors.

    A database that fails under a reader (flipped bytes found half-way through a snapshot, a
    disk gone read-only) is said in the same one line, naming `database` when given.
    """
    try:
        yield
    except (StoreError, SourceError, ConfigError) as error:
        raise FloorwatchError(str(error)) from None
    except (sqlite3.DatabaseError, UnicodeDecodeError) as error:
        raise FloorwatchError(sqlite_fault(database or "the database", error, "read")) from None


def load_config(path: str | None) -> Config:
    """--config FILE, else $FLOORWATCH_CONFIG or ./floorwatch.toml, else the defaults."""
    from floorwatch import config

    with _errors():
        return config.load(path if path is not None else config.default_config_path())


def parse_duration(text: str) -> float:
    """Seconds from 90, 90s, 15m, 2h or 7d."""
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    value, unit = (text[:-1], text[-1]) if text and text[-1] in units else (text, "s")
    try:
        seconds = float(value) * units[unit]
    except ValueError:
        raise FloorwatchError(f"{text!r}: not a duration such as 90s, 15m, 2h or 7d") from None
    if seconds <= 0:
        raise FloorwatchError(f"{text!r}: a duration must be positive")
    return seconds


def database_path(db_path: str | None, config: Config) -> str:
    """--db, else the config file's `database` (relative to the file)."""
    if db_path is not None:
        return db_path
    if config.path is not None:
        return str(config.resolve(config.database))
    raise FloorwatchError("no database: give --db PATH or --config FILE")


def configured_spec(spec: str, config: Config) -> str:
    """A source spec from the config, with a relative file path made relative to the file."""
    kind, _, location = spec.partition(":")
    if kind in ("queue_log", "jsonl") and location != "-":
        return f"{kind}:{config.resolve(location)}"
    return spec


def configured_secret(source, config: Config) -> str | None:
    """A source's secret_file, relative to the config file's directory."""
    return str(config.resolve(source.secret_file)) if source.secret_file else None


def parse_instant(text: str, config: Config) -> float:
    """Epoch seconds, or an ISO 8601 local time (in the config's zone) such as 2026-11-24T14:00."""
    from datetime import datetime

    try:
        return float(text)
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise FloorwatchError(
            f"--at {text!r}: not epoch seconds or an ISO 8601 time such as 2026-11-24T14:00"
        ) from None
    if moment.tzinfo is None:
        zone = config.tzinfo()
        moment = moment.replace(tzinfo=zone) if zone else moment.astimezone()
    return moment.timestamp()


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


def _say_loss(source: str, loss) -> None:
    """A part of a feed that could not be read: said at once, in one line (also in feed
    health and the feed_losses table)."""
    from floorwatch.safe_text import printable

    click.echo(f"floorwatch: warning: {printable(source)}: {printable(loss.describe())}",
               err=True)  # fmt: skip


@main.command()
@click.option("--db", "db_path", default=None, type=click.Path(dir_okay=False),
              help="The SQLite database to write (created if missing); default: the config's.")
@click.option("--config", "config_path", default=None, type=click.Path(dir_okay=False),
              help="floorwatch.toml: its sources, database, agent aliases and wrap-up reasons.")
@click.option("--follow/--once", default=True, show_default=True,
              help="Keep following the sources, or load them to their end and exit.")
@click.option("--progress/--no-progress", default=None,
              help="Progress bar for --once (default: when stderr is a terminal).")
@click.option("--poll", "poll_interval", default=0.5, show_default=True, type=float,
              help="Seconds between checks of a file when notifications say nothing.")
@click.option("--rotation-grace", "rotation_grace", default=5.0, show_default=True,
              type=click.FloatRange(0, 3600), metavar="SECONDS",
              help="How long a rotated file is still read after the new one appeared and it "
                   "went quiet (the PBX writes to it until it reopens its log).")
@click.option("--burnout/--no-burnout", default=True, show_default=True,
              help="Evaluate the burnout rules and keep their flags in the database.")
@click.option("--burnout-every", "burnout_every", default=None, metavar="DURATION",
              help="How often to evaluate burnout: following, by the clock (default 5s); "
                   "with --once, by the feed's time (default: once, at the end; 15m keeps a "
                   "history of a past day's flags).")
@click.argument("sources", nargs=-1, metavar="SOURCE...")
def ingest(db_path: str | None, config_path: str | None, follow: bool, progress: bool | None,
           poll_interval: float, rotation_grace: float, burnout: bool, burnout_every: str | None,
           sources: tuple[str, ...]) -> None:  # fmt: skip
    """Load call events from SOURCE... into the database, exactly once.

    SOURCE is KIND:LOCATION, for example queue_log:/var/log/asterisk/queue_log, or jsonl:-
    for canonical JSON Lines on standard input. Without SOURCE, the config's [[sources]].
    """
    from floorwatch.ingest.burnout_monitor import BurnoutMonitor
    from floorwatch.ingest.pipeline import Ingest
    from floorwatch.ingest.progress import IngestProgress
    from floorwatch.sources import open_source
    from floorwatch.sources.base import scrub_secrets
    from floorwatch.store.database import Store

    config = load_config(config_path)
    database = database_path(db_path, config)
    specs = [(spec, None, None) for spec in sources] or [
        (configured_spec(source.spec, config), source.name, configured_secret(source, config))
        for source in config.sources
    ]
    if not specs:
        raise FloorwatchError("no sources: give SOURCE... or a config file with [[sources]]")
    # Signals first: a stop asked for while the store opens (waiting for a killed ingest's
    # writer to finish) is a clean stop once it is open, not a death by signal.
    with _errors(database), _stop_on_signals() as stop:
        show_progress = (not follow) and (sys.stderr.isatty() if progress is None else progress)
        bar = IngestProgress(enabled=show_progress)
        feeds = [
            open_source(spec, name=name, follow=follow, poll_interval=poll_interval,
                        progress=bar.update if bar.enabled else None, secret_file=secret_file,
                        rotation_grace=rotation_grace)
            for spec, name, secret_file in specs
        ]  # fmt: skip
        for feed in feeds:
            feed.check()
        scrub_secrets()  # read by now: nothing started from here on inherits it
        store = Store.open(database, config.derive_config())
        try:
            with bar:
                for feed in feeds:
                    bar.add(feed.name, feed.size())
                monitor = None
                if burnout:
                    every = parse_duration(burnout_every) if burnout_every else (
                        5.0 if follow else None)  # fmt: skip
                    monitor = BurnoutMonitor(database, config, every_s=every,
                                             clock=time.time if follow else None)  # fmt: skip
                run = Ingest(store, feeds, monitor=monitor, on_loss=_say_loss)
                try:
                    summary = run.run(stop)
                finally:
                    if monitor is not None:
                        monitor.close()
        finally:
            store.close()
    if not follow or run.errors:
        partial = summary.partial_lines
        click.echo(
            f"{summary.events} events, {summary.rejects} rejects, {summary.calls} calls, "
            f"{summary.agents} agents in {summary.elapsed_s:.2f} s "
            f"({summary.events_per_s:,.0f} events/s)"
            + (f", {partial} partial line{'s' if partial > 1 else ''} not read (no newline yet)"
               if partial else "")
            + (f", {len(summary.losses)} lost part{'s' if len(summary.losses) > 1 else ''} of "
               "feeds (see above)" if summary.losses else "")
        )  # fmt: skip
    for name, error in run.errors:
        if isinstance(error, (SourceError, StoreError, OSError)):
            raise FloorwatchError(f"{name}: {error}")
        raise error


@main.command()
@click.option("--db", "db_path", default=None, type=click.Path(dir_okay=False),
              help="The floorwatch database (opened read-only); default: the config's.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of tables.")
@click.option("--at", "at", default=None, metavar="TIME",
              help="Evaluate the floor as it was at TIME (ISO 8601 local time or epoch seconds).")
@click.option("--config", "config_path", default=None, type=click.Path(dir_okay=False),
              help="floorwatch.toml (default: $FLOORWATCH_CONFIG or ./floorwatch.toml).")
def snapshot(db_path: str | None, as_json: bool, at: str | None,
             config_path: str | None) -> None:  # fmt: skip
    """Print the floor once (now, or --at a past instant) and exit."""
    import json

    from floorwatch.snapshot.reader import FloorReader
    from floorwatch.reports.snapshot_text import print_snapshot
    from floorwatch.store.database import Store

    config = load_config(config_path)
    database = database_path(db_path, config)
    instant = parse_instant(at, config) if at is not None else None
    with _errors(database):
        store = Store.open_readonly(database)
        try:
            floor = FloorReader(store, config, at=instant).snapshot()
        finally:
            store.close()
    if as_json:
        click.echo(json.dumps(floor.to_dict(), indent=2))
    else:
        print_snapshot(floor, config.tzinfo())


def _viewer_options(command):
    """Options every dashboard command shares."""
    options = [
        click.option("--wall", is_flag=True, help="Start in wallboard mode (big digits)."),
        click.option("--queue", "wall_queue", default=None, metavar="QUEUE",
                     help="Wallboard for this queue only."),
        click.option("--rotate", "rotate_s", default=None, type=click.FloatRange(min=1),
                     metavar="SECONDS", help="Wallboard: show one queue at a time, rotating."),
    ]  # fmt: skip
    for option in reversed(options):
        command = option(command)
    return command


@main.command()
@click.option("--db", "db_path", default=None, type=click.Path(dir_okay=False),
              help="The floorwatch database (opened read-only); default: the config's.")
@click.option("--config", "config_path", default=None, type=click.Path(dir_okay=False),
              help="floorwatch.toml (default: $FLOORWATCH_CONFIG or ./floorwatch.toml).")
@_viewer_options
def dash(db_path: str | None, config_path: str | None, wall: bool, wall_queue: str | None,
         rotate_s: float | None) -> None:  # fmt: skip
    """Open the floor dashboard: a read-only viewer (any number may run beside the ingest)."""
    from floorwatch.app import FloorwatchApp
    from floorwatch.snapshot.live import LiveFloor
    from floorwatch.store.database import Store

    import os

    config = load_config(config_path)
    database = database_path(db_path, config)
    with _errors():
        Store.open_readonly(database).close()  # fail here, in one line, not inside the screen
    if not os.environ.get("TEXTUAL_DRIVER") and not (sys.stdin.isatty() and sys.stdout.isatty()):
        # Over SSH a command given to a dashboard-only key lands here without a terminal.
        raise FloorwatchError("the dashboard needs a terminal (over SSH: ssh -t)")
    app = FloorwatchApp(LiveFloor(database, config), config, wall=wall, wall_queue=wall_queue,
                        rotate_s=rotate_s)  # fmt: skip
    app.run()
    _check_dashboard(app)


@main.command("run")
@click.option("--config", "config_path", required=True, type=click.Path(dir_okay=False),
              help="floorwatch.toml with [[sources]] and the database to write.")
@_viewer_options
def run_command(config_path: str, wall: bool, wall_queue: str | None,
                rotate_s: float | None) -> None:  # fmt: skip
    """Ingest the config's sources and show the dashboard, in one process (one screen)."""
    from floorwatch.app import FloorwatchApp
    from floorwatch.ingest.burnout_monitor import BurnoutMonitor
    from floorwatch.modes.dashboard_run import BackgroundIngest
    from floorwatch.ingest.pipeline import Ingest
    from floorwatch.snapshot.live import LiveFloor
    from floorwatch.sources import open_source
    from floorwatch.store.database import Store

    config = load_config(config_path)
    database = database_path(None, config)
    if not config.sources:
        raise FloorwatchError(f"{config_path}: no [[sources]] to ingest")
    with _errors():
        # A refused AMI login must not end the dashboard: it is shown and retried.
        feeds = [open_source(configured_spec(source.spec, config), name=source.name, follow=True,
                             secret_file=configured_secret(source, config), fatal_login=False)
                 for source in config.sources]  # fmt: skip
        for feed in feeds:
            feed.check()
        store = Store.open(database, config.derive_config())
    app = FloorwatchApp(LiveFloor(database, config), config, wall=wall, wall_queue=wall_queue,
                        rotate_s=rotate_s)  # fmt: skip
    monitor = BurnoutMonitor(database, config, every_s=5.0, clock=time.time)

    def closed() -> None:
        monitor.close()
        store.close()

    background = BackgroundIngest(Ingest(store, feeds, monitor=monitor), feeds,
                                  on_error=lambda line: app.tell(line, "ingest stopped"),
                                  on_end=closed)  # fmt: skip
    background.start()
    try:
        app.run()
    finally:
        stopped = background.stop()
    _check_dashboard(app, stopped)
    if background.errors:
        raise FloorwatchError(f"ingest: {background.errors[0]}")


@main.command("burnout")
@click.option("--db", "db_path", default=None, type=click.Path(dir_okay=False),
              help="The floorwatch database (opened read-only); default: the config's.")
@click.option("--config", "config_path", default=None, type=click.Path(dir_okay=False),
              help="floorwatch.toml (default: $FLOORWATCH_CONFIG or ./floorwatch.toml).")
@click.option("--since", "since", default="7d", show_default=True, metavar="DURATION",
              help="How far back: 90m, 12h, 7d...")
@click.option("--agent", "agent", default=None, help="Only this agent, with every flag listed.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def burnout_command(db_path: str | None, config_path: str | None, since: str, agent: str | None,
                    as_json: bool) -> None:  # fmt: skip
    """How often each agent was flagged for burnout (raised and cleared flags)."""
    import json

    from rich.console import Console

    from floorwatch.reports.burnout_history import flag_history, history_table
    from floorwatch.snapshot.reader import load_flags
    from floorwatch.store.database import Store

    config = load_config(config_path)
    database = database_path(db_path, config)
    window = parse_duration(since)
    with _errors():
        store = Store.open_readonly(database)
        try:
            latest = store.conn.execute("SELECT max(ts) FROM events").fetchone()[0]
            now = max(time.time() if latest is None else min(time.time(), latest + 86400),
                      latest or 0)  # fmt: skip
            flags = load_flags(store, agent, now - window)
        finally:
            store.close()
    history = flag_history(flags, now)
    if as_json:
        click.echo(json.dumps({"since": now - window, "until": now, "agents": history,
                               "flags": [dict(f.to_dict(), agent=f.agent) for f in flags]},
                              indent=2))  # fmt: skip
        return
    Console(width=160, markup=False, emoji=False).print(
        history_table(history, flags if agent else [], config))


def _floor_size(command):
    """--agents, --queues, --seed: the simulated floor's size and its dice."""
    for option in reversed([
        click.option("--agents", default=24, show_default=True, type=click.IntRange(1, 5000),
                     help="Agents on the simulated floor."),
        click.option("--queues", default=3, show_default=True, type=click.IntRange(1, 200),
                     help="Queues on the simulated floor."),
        click.option("--seed", default=1, show_default=True, type=int,
                     help="The same seed gives the same day."),
    ]):  # fmt: skip
        command = option(command)
    return command


@main.command()
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, writable=True),
              help="The queue_log file to write (replaced).")
@click.option("--hours", default=24.0, show_default=True, type=click.FloatRange(0.01, 24 * 60),
              help="Simulated hours to write, from local midnight of the day.")
@click.option("--start", "start", default=None, metavar="TIME",
              help="The simulated day (ISO 8601 date or time, or epoch seconds); default: today.")
@click.option("--history-days", default=0, show_default=True, type=click.IntRange(0, 366),
              help="Whole days simulated before it (for baselines such as slowing down).")
@click.option("--timezone", "timezone", default="UTC", show_default=True,
              help="The floor's time zone (its working day is in local time).")
@_floor_size
def simulate(out: str, hours: float, start: str | None, history_days: int, timezone: str,
             agents: int, queues: int, seed: int) -> None:  # fmt: skip
    """Write a simulated floor as Asterisk queue_log lines, as fast as possible."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    from floorwatch.sources.simulator import SimConfig, Simulator, day_bounds

    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise FloorwatchError(f"--timezone {timezone!r}: not a known time zone") from None
    config = Config(timezone=timezone)
    instant = parse_instant(start, config) if start else None
    sim = Simulator(SimConfig(agents=agents, queues=queues, seed=seed, start=instant,
                              timezone=timezone, history_days=history_days))  # fmt: skip
    until = day_bounds(sim)[0] + hours * 3600
    started = time.perf_counter()
    count = 0
    try:
        with open(out, "w", encoding="utf-8") as handle:
            for line in sim.lines(until):
                handle.write(line + "\n")
                count += 1
    except OSError as error:
        raise FloorwatchError(f"{out}: {error.strerror or error}") from None
    elapsed = time.perf_counter() - started
    click.echo(f"{count} lines to {out} in {elapsed:.2f} s ({count / max(elapsed, 1e-9):,.0f} lines/s)")


@main.command()
@click.option("--dir", "folder", default="floorwatch-demo", show_default=True,
              type=click.Path(file_okay=False), help="Working folder (created, reused).")
@click.option("--speed", default=1.0, show_default=True, type=click.FloatRange(0.1, 3600),
              help="Simulated seconds per real second once live.")
@click.option("--headless", is_flag=True, help="No screen: run, then print the floor.")
@click.option("--seconds", default=20.0, show_default=True, type=click.FloatRange(0, 86400),
              help="With --headless: how long to run live.")
@click.option("--json", "as_json", is_flag=True, help="With --headless: print JSON.")
@_floor_size
def demo(folder: str, speed: float, headless: bool, seconds: float, as_json: bool, agents: int,
         queues: int, seed: int) -> None:  # fmt: skip
    """A living floor: simulator -> queue_log -> ingest -> dashboard, in one command."""
    from pathlib import Path

    from floorwatch.modes.demo import Demo, DemoOptions

    options = DemoOptions(folder=Path(folder), agents=agents, queues=queues, seed=seed,
                          speed=speed)  # fmt: skip
    try:
        run = Demo(options)
        click.echo(f"floorwatch demo in {run.folder}/: simulating the last "
                   f"{options.history_days} days and this morning...", err=True)  # fmt: skip
        run.prepare()
    except OSError as error:
        raise FloorwatchError(f"{folder}: {error.strerror or error}") from None
    run.start()
    app = None
    try:
        if headless:
            _headless_demo(run, seconds, as_json)
        else:
            app = _show_floor(run.database, run.config, run.clock.now, banner=f"demo {speed:g}x")
    finally:
        stopped = run.stop()
    if app is not None:
        _check_dashboard(app, "the demo's ingest stopped cleanly, its commits kept" if stopped
                         else "the demo's ingest did not stop in time")  # fmt: skip
    for error in run.ingest_errors:
        raise FloorwatchError(error)


def _headless_demo(run, seconds: float, as_json: bool) -> None:
    import json

    from floorwatch.snapshot.reader import FloorReader
    from floorwatch.reports.snapshot_text import print_snapshot
    from floorwatch.store.database import Store

    run.wait(seconds)
    time.sleep(0.6)  # the ingest's last poll
    with Store.open_readonly(run.database) as store:
        floor = FloorReader(store, run.config, clock=run.clock.now).snapshot()
    if as_json:
        click.echo(json.dumps(floor.to_dict(), indent=2))
    else:
        print_snapshot(floor, run.config.tzinfo())
        flags = sum(len(agent.flags) for agent in floor.agents.values())
        click.echo(f"{len(floor.queues)} queues, {len(floor.agents)} agents, {flags} burnout flags")


def _show_floor(database, config, clock, banner: str | None = None, replay=None):
    """Run the dashboard until it ends; returns the app (to ask how it ended)."""
    from floorwatch.app import FloorwatchApp
    from floorwatch.snapshot.live import LiveFloor

    app = FloorwatchApp(LiveFloor(database, config, clock=clock), config, banner=banner,
                        replay=replay)  # fmt: skip
    app.run()
    return app


@main.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--speed", default=10.0, show_default=True, type=click.FloatRange(0.01, 100000),
              help="How many times faster than it happened.")
@click.option("--to", "jump", default=None, metavar="HH:MM",
              help="Start the replay at this time of the recorded day.")
@click.option("--db", "db_path", default=None, type=click.Path(dir_okay=False),
              help="The fresh store to replay into (default: a temporary one).")
@click.option("--format", "format", default=None, type=click.Choice(["queue_log", "jsonl"]),
              help="The file's format (default: from its name; .jsonl is JSON Lines).")
@click.option("--config", "config_path", default=None, type=click.Path(dir_okay=False),
              help="floorwatch.toml for thresholds, names and the time zone.")
@click.option("--headless", is_flag=True, help="No screen: replay to the end, print the floor.")
def replay(file: str, speed: float, jump: str | None, db_path: str | None, format: str | None,
           config_path: str | None, headless: bool) -> None:  # fmt: skip
    """Replay a recorded queue_log or JSON Lines file into a fresh store, N times faster."""
    import tempfile
    from pathlib import Path

    from floorwatch.ingest.burnout_monitor import BurnoutMonitor
    from floorwatch.clock import FeedClock
    from floorwatch.ingest.pipeline import Ingest
    from floorwatch.sources.replay import ReplayControl, ReplaySource, jump_target
    from floorwatch.store.database import Store

    config = load_config(config_path)
    scratch = None
    if db_path is None:
        scratch = tempfile.TemporaryDirectory(prefix="floorwatch-replay-")
        db_path = str(Path(scratch.name) / "replay.db")
    elif Path(db_path).exists():
        raise FloorwatchError(f"{db_path}: exists; a replay needs a fresh store")
    clock = FeedClock(0, speed, paused=True)
    source = ReplaySource(file, clock, format=format)
    with _errors():
        source.load()
        start = source.first if jump is None else jump_target(jump, source.first, config.tzinfo())
        clock.jump(start)
        store = Store.open(db_path, config.derive_config())
    monitor = BurnoutMonitor(db_path, config, every_s=max(5.0, 2 * speed), clock=clock.now)
    stop = threading.Event()
    ingest = Ingest(store, [source], monitor=monitor)
    thread = threading.Thread(target=ingest.run, args=(stop,), name="replay ingest", daemon=True)
    clock.pause(False)
    thread.start()
    app = None
    try:
        if headless:
            source.done.wait()
            thread.join()
            floor_at = max(source.last, clock.now()) if jump is None else clock.now()
            _print_floor(db_path, config, source.last if floor_at else source.last)
        else:
            app = _show_floor(db_path, config, clock.now, replay=ReplayControl(clock, source))
    finally:
        stop.set()
        thread.join(timeout=60)
        stopped = not thread.is_alive()
        monitor.close()
        if stopped:
            store.close()
        if scratch is not None and stopped:
            scratch.cleanup()
    if app is not None:
        _check_dashboard(app, "the replay's ingest stopped" if stopped
                         else "the replay's ingest did not stop in time")  # fmt: skip


def _print_floor(database, config, at: float) -> None:
    from floorwatch.snapshot.reader import FloorReader
    from floorwatch.reports.snapshot_text import print_snapshot
    from floorwatch.store.database import Store

    with Store.open_readonly(database) as store:
        print_snapshot(FloorReader(store, config, at=at).snapshot(), config.tzinfo())


@main.command()
@click.option("--calls", "calls", required=True, type=click.FloatRange(min=0),
              help="Calls expected in the period.")
@click.option("--per", "per", required=True, type=click.FloatRange(min=0, min_open=True),
              metavar="SECONDS", help="The period, in seconds (1800 for half an hour).")
@click.option("--aht", "aht", required=True, type=click.FloatRange(min=0, min_open=True),
              metavar="SECONDS", help="Average handle time (talk + wrap-up).")
@click.option("--target", default=0.8, show_default=True, type=click.FloatRange(0, 1),
              help="Service level to reach (share of calls).")
@click.option("--within", default=20.0, show_default=True, type=click.FloatRange(min=0),
              metavar="SECONDS", help="...answered within this many seconds.")
@click.option("--max-occupancy", "max_occupancy", default=None,
              type=click.FloatRange(0, 1, min_open=True), help="Also keep occupancy at or under this.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def staffing(calls: float, per: float, aht: float, target: float, within: float,
             max_occupancy: float | None, as_json: bool) -> None:  # fmt: skip
    """Agents needed for a call volume (Erlang C), with the figures around that number."""
    import json

    from rich.console import Console
    from rich.table import Table

    from floorwatch.snapshot.erlang import agents_needed, around, traffic
    from floorwatch.format import percent, seconds

    erlangs = traffic(calls, per, aht)
    needed = agents_needed(erlangs, aht, target, within, max_occupancy)
    options = around(erlangs, aht, within, max(1, needed.agents))
    if as_json:
        click.echo(json.dumps({
            "model": "erlang_c", "traffic_erlangs": erlangs, "agents_needed": needed.agents,
            "target": target, "within_s": within, "max_occupancy": max_occupancy,
            "options": [option.to_dict() for option in options],
        }, indent=2))  # fmt: skip
        return
    click.echo(f"{calls:g} calls per {per:g} s at {aht:g} s AHT = {erlangs:.2f} Erlangs: "
               f"{needed.agents} agents for {target:.0%} within {within:g} s"
               + (f" at most {max_occupancy:.0%} occupied" if max_occupancy else ""))  # fmt: skip
    table = Table()
    for column in ("agents", "service level", "ASA", "P(wait)", "occupancy"):
        table.add_column(column, justify="right")
    for option in options:
        mark = " ◀" if option.agents == needed.agents else ""
        table.add_row(f"{option.agents}{mark}", percent(option.service_level, 1),
                      seconds(option.asa_s) if option.asa_s != float("inf") else "∞",
                      percent(option.wait_probability, 1), percent(option.occupancy, 1))  # fmt: skip
    Console().print(table)


@main.command()
@click.option("--db", "db_path", default=None, type=click.Path(dir_okay=False),
              help="The floorwatch database (opened read-only); default: the config's.")
@click.option("--config", "config_path", default=None, type=click.Path(dir_okay=False),
              help="floorwatch.toml (thresholds, names, time zone).")
@click.option("--date", "day", required=True, metavar="YYYY-MM-DD", help="The day to report.")
@click.option("--interval", default="30m", show_default=True,
              type=click.Choice(["15m", "30m", "60m"]), help="Interval length.")
@click.option("--by", "by", default="queue", show_default=True,
              type=click.Choice(["queue", "agent"]), help="One row per queue or per agent.")
@click.option("--format", "format", default="table", show_default=True,
              type=click.Choice(["table", "csv", "json"]), help="Output format on stdout.")
@click.option("--out", "out", default=None, type=click.Path(dir_okay=False),
              help="Write to FILE instead; the format from its extension (.csv, .json, .xlsx).")
@click.option("--progress/--no-progress", default=None,
              help="Progress bar (default: when stderr is a terminal).")
def report(db_path: str | None, config_path: str | None, day: str, interval: str, by: str,
           format: str, out: str | None, progress: bool | None) -> None:  # fmt: skip
    """An interval report of a day: per queue (offered, answered, abandoned, service level,
    ASA, AHT, max wait, Erlang C agents required) or per agent (login, talk, wrap-up, pauses,
    idle, occupancy, calls, AHT, ring-no-answers), with totals."""
    from datetime import date as date_type

    from floorwatch.ingest.progress import IngestProgress
    from floorwatch.reports.intervals import agent_report, queue_report, report_day
    from floorwatch.reports.output import write_report

    config = load_config(config_path)
    database = database_path(db_path, config)
    try:
        wanted = date_type.fromisoformat(day)
    except ValueError:
        raise FloorwatchError(f"--date {day!r}: not a date such as 2026-11-24") from None
    target_format = format
    if out is not None:
        suffix = out.rsplit(".", 1)[-1].lower() if "." in out else ""
        if suffix not in ("csv", "json", "xlsx"):
            raise FloorwatchError(f"--out {out}: use a .csv, .json or .xlsx file")
        target_format = suffix
        if suffix == "xlsx":
            try:
                import openpyxl  # noqa: F401
            except ImportError:
                raise FloorwatchError(
                    "--out .xlsx needs openpyxl, which is not installed "
                    "(pip install openpyxl), or use .csv"
                ) from None
    from floorwatch.store.database import Store

    show = sys.stderr.isatty() if progress is None else progress
    bar = IngestProgress(enabled=show)
    with _errors(), bar:
        store = Store.open_readonly(database)
        try:
            bar.add("report", 0)
            builder = queue_report if by == "queue" else agent_report
            frame = builder(store, config, report_day(config, wanted, interval),
                            lambda done, total: bar.update("report", done, total))  # fmt: skip
        finally:
            store.close()
    try:
        write_report(frame, target_format, out, by, config)
    except BrokenPipeError:
        sys.stderr.close()  # the reader (head, less) has had enough: not an error
    except OSError as error:
        raise FloorwatchError(f"{out}: {error.strerror or error}") from None


@main.command("serve-web")
@click.option("--db", "db_path", default=None, type=click.Path(dir_okay=False),
              help="The floorwatch database (read-only); default: the config's.")
@click.option("--config", "config_path", default=None, type=click.Path(dir_okay=False),
              help="floorwatch.toml (thresholds, names, time zone).")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Anything but loopback needs --allow-remote.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--allow-remote", is_flag=True,
              help="Listen on a non-loopback address (there is no authentication: put a "
                   "reverse proxy with authentication in front, see docs/deploy.md).")
@click.option("--public-url", default=None, help="The URL browsers use (behind a proxy).")
@_viewer_options
def serve_web(db_path: str | None, config_path: str | None, host: str, port: int,
              allow_remote: bool, public_url: str | None, wall: bool, wall_queue: str | None,
              rotate_s: float | None) -> None:  # fmt: skip
    """Serve the dashboard to browsers (textual-serve): one read-only viewer per page."""
    import ipaddress
    import shlex
    from pathlib import Path

    from floorwatch.store.database import Store

    config = load_config(config_path)
    database = str(Path(database_path(db_path, config)).absolute())
    with _errors():
        Store.open_readonly(database).close()
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
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
    command = [sys.executable, "-m", "floorwatch", "dash", "--db", database]
    if config.path is not None:
        command += ["--config", str(config.path)]
    if wall:
        command.append("--wall")
    if wall_queue:
        command += ["--queue", wall_queue]
    if rotate_s:
        command += ["--rotate", str(rotate_s)]
    from floorwatch.modes.web import FloorServer

    try:
        server = FloorServer(shlex.join(command), host=host, port=port, title="floorwatch",
                             public_url=public_url)  # fmt: skip
    except ValueError as error:
        raise FloorwatchError(str(error)) from None
    server.serve()


# --- new commands go above this line ---


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
        click.echo(f"floorwatch: error: {printable(error.format_message())} (see {where} --help)",
                   err=True)  # fmt: skip
        sys.exit(EXIT_USAGE)
    except click.ClickException as error:
        error.show()
        sys.exit(error.exit_code)
