"""`floorwatch demo`: a living floor through the real path, in one command.

A simulated floor writes Asterisk queue_log lines to a file in a working folder; the ingest
follows that file into the store (with the burnout rules); the dashboard reads the store. The
day starts mid-morning: the previous days (for baselines) and the morning are simulated at full
speed first, in five-minute steps with the burnout rules evaluated after each, so trends, service
levels and flags have history at once; then the floor goes on live at `speed`.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from floorwatch.clock import FeedClock
from floorwatch.config import Config, from_table
from floorwatch.ingest.alarm_monitor import AlarmMonitor
from floorwatch.ingest.burnout_monitor import BurnoutMonitor
from floorwatch.ingest.pipeline import Ingest
from floorwatch.modes.one_shot import read_floor
from floorwatch.snapshot.floor_snapshot import FloorSnapshot
from floorwatch.sources import open_source
from floorwatch.sources.schedule_csv import PlannedActivity
from floorwatch.sources.simulator import SimConfig, Simulator, day_bounds
from floorwatch.store.database import Store
from floorwatch.store.schedules import replace_schedule

if TYPE_CHECKING:
    from floorwatch.modes.dashboard_run import DashboardOutcome

FEED = "queue_log"
DATABASE = "floorwatch.db"
DEMO_ABSENCE_DAYS = 7


def planned_rows(planned, zone: str) -> list[PlannedActivity]:
    """The simulator's plan as the rows `schedule import` writes (each on its local day)."""
    tz = ZoneInfo(zone)
    return [
        PlannedActivity(
            name, datetime.fromtimestamp(start, tz).date().isoformat(), start, end, what
        )
        for name, start, end, what in planned
    ]


CONFIG = "floorwatch.toml"


def local_zone_name() -> str:
    """The machine's IANA time zone (TZ, or /etc/localtime's target), else UTC."""
    candidates = [os.environ.get("TZ", "").lstrip(":")]
    try:
        target = os.path.realpath("/etc/localtime")
        if "zoneinfo/" in target:
            candidates.append(target.split("zoneinfo/", 1)[1])
    except OSError:
        pass
    for name in candidates:
        if name:
            try:
                ZoneInfo(name)
                return name
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return "UTC"


@dataclass
class DemoOptions:
    folder: Path = Path("floorwatch-demo")
    agents: int = 24
    queues: int = 3
    seed: int = 1
    speed: float = 1.0
    #: The simulated day starts live at this local hour (the morning before is fast-forwarded).
    start_hour: float = 10.5
    history_days: int = 14
    timezone: str | None = None
    #: Minutes of simulated time between burnout evaluations while fast-forwarding.
    step_min: float = 5.0
    #: The simulated day (default: today), for a demo that must be the same every time.
    day: date | None = None


class Demo:
    """Builds the demo folder, fast-forwards the morning, then runs the floor live."""

    def __init__(self, options: DemoOptions):
        self.options = options
        self.folder = options.folder
        self.zone = options.timezone or local_zone_name()
        self.feed = self.folder / FEED
        self.database = self.folder / DATABASE
        self.config_path = self.folder / CONFIG
        today = options.day or datetime.now(ZoneInfo(self.zone)).date()
        start = datetime.combine(today, datetime.min.time(), ZoneInfo(self.zone)) + timedelta(
            hours=options.start_hour
        )
        self.live_from = start.timestamp()
        self.simulator = Simulator(
            SimConfig(
                agents=options.agents,
                queues=options.queues,
                seed=options.seed,
                start=self.live_from,
                timezone=self.zone,
                history_days=options.history_days,
            )
        )
        # The demo's history is two weeks: the absence rule compares its last one with the one
        # before (a real floor's default is the last four weeks against the weeks before).
        self.config: Config = from_table(
            {"timezone": self.zone, "schedule": {"absence_recent_days": DEMO_ABSENCE_DAYS}}
        )
        self.clock = FeedClock(self.live_from, options.speed, paused=True)
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.ingest_errors: list[str] = []

    # ----------------------------------------------------------------- preparing
    def prepare(self, progress=None) -> None:
        """A fresh feed and store in the folder, with history and the morning already in."""
        self.folder.mkdir(parents=True, exist_ok=True)
        for name in (FEED, DATABASE, DATABASE + "-wal", DATABASE + "-shm"):
            (self.folder / name).unlink(missing_ok=True)
        self.config_path.write_text(
            "# Written by `floorwatch demo`: the demo floor's settings.\n"
            f'database = "{DATABASE}"\ntimezone = "{self.zone}"\n\n'
            f'[[sources]]\nspec = "queue_log:{FEED}"\nname = "demo"\n\n'
            f"[schedule]\nabsence_recent_days = {DEMO_ABSENCE_DAYS}\n"
        )
        day_start, _ = day_bounds(self.simulator)
        store = Store.open(self.database, self.config.derive_config())
        try:
            self._write_until(day_start)
            self._ingest_once(store, None)
            # The plan of every simulated day, today's included, as `schedule import` keeps it.
            replace_schedule(self.database, planned_rows(self.simulator.planned, self.zone))
            monitor = BurnoutMonitor(self.database, self.config, every_s=None)
            step = self.options.step_min * 60
            at = day_start + 6 * 3600
            while at < self.live_from:
                at = min(at + step, self.live_from)
                self._write_until(at)
                self._ingest_once(store, None)
                monitor.run(store, at)
                if progress is not None:
                    progress(at)
            monitor.close()
        finally:
            store.close()

    def _write_until(self, until: float) -> None:
        with self.feed.open("a", encoding="utf-8") as out:
            for line in self.simulator.lines(until):
                out.write(line + "\n")

    def _ingest_once(self, store: Store, monitor: BurnoutMonitor | None) -> None:
        feed = open_source(f"queue_log:{self.feed}", name="demo", follow=False)
        Ingest(store, [feed], monitor=monitor, feed_clock=self.clock).run(threading.Event())

    # ----------------------------------------------------------------- live
    def start(self) -> None:
        """Start the simulated floor writing live, and the ingest following it."""
        self.clock.pause(False)
        writer = threading.Thread(target=self._write_live, name="demo floor", daemon=True)
        ingest = threading.Thread(target=self._ingest_live, name="demo ingest", daemon=True)
        self._threads = [writer, ingest]
        writer.start()
        ingest.start()

    def _write_live(self) -> None:
        with self.feed.open("a", encoding="utf-8") as out:
            while not self._stop.is_set():
                for line in self.simulator.lines(self.clock.now()):
                    out.write(line + "\n")
                out.flush()
                self._stop.wait(0.2)

    def _ingest_live(self) -> None:
        store = Store.open(self.database, self.config.derive_config())
        feed = open_source(f"queue_log:{self.feed}", name="demo", follow=True, poll_interval=0.2)
        every = max(5.0, 2 * self.clock.speed)  # simulated seconds between evaluations
        monitor = BurnoutMonitor(self.database, self.config, every_s=every, clock=self.clock.now)
        # Alarms by the demo's clock, shown on its screens; no hooks: a demo pages nobody.
        alarms = AlarmMonitor(
            self.database,
            self.config,
            clock=self.clock.now,
            every_s=max(self.config.alarms.every_s, self.clock.speed / 5),
        )
        run = Ingest(store, [feed], monitor=monitor, feed_clock=self.clock, alarms=alarms)
        try:
            run.run(self._stop)
        finally:
            monitor.close()
            alarms.close()
            store.close()
        self.ingest_errors = [f"{name}: {error}" for name, error in run.errors]

    def stop(self, timeout_s: float = 60.0) -> bool:
        """Stop the floor and the ingest (which commits what it has); False if a thread is
        still running after `timeout_s`."""
        self._stop.set()
        deadline = time.monotonic() + timeout_s
        for thread in self._threads:
            thread.join(timeout=max(0.0, deadline - time.monotonic()))
        return not any(thread.is_alive() for thread in self._threads)

    def wait(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and not self._stop.is_set():
            time.sleep(min(0.2, deadline - time.monotonic()))

    # ----------------------------------------------------------------- after start()
    def floor_after(self, seconds: float) -> FloorSnapshot:
        """--headless: the floor live for `seconds`, then stopped; the floor as it was then."""
        try:
            self.wait(seconds)
            time.sleep(0.6)  # the ingest's last poll
            return read_floor(self.database, self.config, clock=self.clock.now)
        finally:
            self.stop()

    def show(self) -> DashboardOutcome:
        """The dashboard on the demo floor until it ends; then the floor and its ingest stop."""
        from floorwatch.modes.dashboard_run import DashboardOutcome, ended, run_dashboard

        try:
            app = run_dashboard(
                self.database,
                self.config,
                clock=self.clock.now,
                banner=f"demo {self.options.speed:g}x",
            )
        finally:
            stopped = self.stop()
        note = (
            "the demo's ingest stopped cleanly, its commits kept"
            if stopped
            else "the demo's ingest did not stop in time"
        )
        return DashboardOutcome(ended(app, note), list(self.ingest_errors))
