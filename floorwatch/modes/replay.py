"""`floorwatch replay FILE`: a recorded day into a fresh store at N times its speed, watched on
the dashboard (whose clock is the replay's: it sees the floor as it was) or, headless, replayed
to the end and printed.

The store is a temporary one unless a path is given (it must not exist: a replay is the file's
day and nothing else). The dashboard's replay keys act on a ReplayControl: pause, faster,
slower.
"""

from __future__ import annotations

import tempfile
import threading
from dataclasses import dataclass
from datetime import datetime
from datetime import time as dtime
from pathlib import Path
from typing import TYPE_CHECKING

from floorwatch.clock import FeedClock
from floorwatch.config import Config
from floorwatch.ingest.alarm_monitor import AlarmMonitor
from floorwatch.ingest.burnout_monitor import BurnoutMonitor
from floorwatch.ingest.pipeline import Ingest
from floorwatch.modes.one_shot import read_floor
from floorwatch.snapshot.floor_snapshot import FloorSnapshot
from floorwatch.sources.base import SourceError
from floorwatch.sources.replay import ReplaySource
from floorwatch.store.database import Store, StoreError

if TYPE_CHECKING:
    from collections.abc import Callable

    from floorwatch.modes.dashboard_run import DashboardOutcome


def jump_target(text: str, first: float, zone) -> float:
    """--to HH:MM on the replayed day (the local day of the file's first event)."""
    try:
        hour, minute = (int(part) for part in text.split(":"))
        wanted = dtime(hour, minute)
    except ValueError:
        raise SourceError(f"--to {text!r}: not a time such as 14:00") from None
    day = (
        datetime.fromtimestamp(first, zone).date() if zone else datetime.fromtimestamp(first).date()
    )
    moment = datetime.combine(day, wanted, zone) if zone else datetime.combine(day, wanted)
    return moment.astimezone().timestamp() if zone is None else moment.timestamp()


class ReplayControl:
    """What the dashboard's replay keys act on: pause, faster, slower."""

    def __init__(
        self, clock: FeedClock, source: ReplaySource, on_change: Callable[[], None] | None = None
    ):
        self.clock = clock
        self.source = source
        self.on_change = on_change

    def toggle_pause(self) -> None:
        self.clock.pause(not self.clock.paused)

    def faster(self) -> None:
        self.clock.set_speed(self.clock.speed * 2)

    def slower(self) -> None:
        self.clock.set_speed(self.clock.speed / 2)

    def describe(self) -> str:
        state = "paused" if self.clock.paused else f"{self.clock.speed:g}x"
        return f"replay {state}"


@dataclass(frozen=True)
class ReplayOptions:
    file: str | Path
    #: How many times faster than it happened.
    speed: float = 10.0
    #: HH:MM of the recorded day to start at (default: its first event).
    jump: str | None = None
    #: The fresh store to replay into (default: a temporary one, removed afterwards).
    db_path: str | Path | None = None
    #: queue_log or jsonl (default: from the file's name).
    format: str | None = None


class Replay:
    """A replay, loaded and its store opened (SourceError or StoreError if it cannot be);
    `start` sets it going, then `to_end` or `show`, each of which stops it."""

    #: How long a stop waits for the ingest's last commit.
    STOP_TIMEOUT_S = 60.0

    def __init__(self, options: ReplayOptions, config: Config):
        self.config = config
        self._scratch: tempfile.TemporaryDirectory | None = None
        if options.db_path is None:
            self._scratch = tempfile.TemporaryDirectory(prefix="floorwatch-replay-")
            self.database = Path(self._scratch.name) / "replay.db"
        elif Path(options.db_path).exists():
            raise StoreError(f"{options.db_path}: exists; a replay needs a fresh store")
        else:
            self.database = Path(options.db_path)
        self.clock = FeedClock(0, options.speed, paused=True)
        self.source = ReplaySource(options.file, self.clock, format=options.format)
        self.source.load()
        start = self.source.first
        if options.jump is not None:
            start = jump_target(options.jump, self.source.first, config.tzinfo())
        self.clock.jump(start)
        self.store = Store.open(self.database, config.derive_config())
        self._stop = threading.Event()
        self._monitor: BurnoutMonitor | None = None
        self._alarms: AlarmMonitor | None = None
        self._thread: threading.Thread | None = None
        self._stopped: bool | None = None

    def start(self) -> None:
        """The clock runs from the start time; the ingest takes the events it passes."""
        self._monitor = BurnoutMonitor(
            self.database, self.config, every_s=max(5.0, 2 * self.clock.speed), clock=self.clock.now
        )
        # Alarms by the replay's clock, on its screens; no hooks: a replay pages nobody.
        self._alarms = AlarmMonitor(
            self.database,
            self.config,
            clock=self.clock.now,
            every_s=max(self.config.alarms.every_s, self.clock.speed / 5),
        )
        ingest = Ingest(
            self.store,
            [self.source],
            monitor=self._monitor,
            feed_clock=self.clock,
            alarms=self._alarms,
        )
        self._thread = threading.Thread(
            target=ingest.run, args=(self._stop,), name="replay ingest", daemon=True
        )
        self.clock.pause(False)
        self._thread.start()

    def to_end(self) -> FloorSnapshot:
        """--headless: every event replayed and stored; the floor at the last one."""
        try:
            self.source.done.wait()
            self._thread.join()
            return read_floor(self.database, self.config, at=self.source.last)
        finally:
            self.stop()

    def show(self) -> DashboardOutcome:
        """The dashboard on the replayed floor (with its keys) until it ends; then the stop."""
        from floorwatch.modes.dashboard_run import DashboardOutcome, ended, run_dashboard

        try:
            app = run_dashboard(
                self.database,
                self.config,
                clock=self.clock.now,
                replay=ReplayControl(self.clock, self.source),
            )
        finally:
            stopped = self.stop()
        note = (
            "the replay's ingest stopped" if stopped else "the replay's ingest did not stop in time"
        )
        return DashboardOutcome(ended(app, note))

    def stop(self) -> bool:
        """Stop the ingest (it commits what it has); False if it is still running after
        STOP_TIMEOUT_S (its store is then left open, and a temporary one in place)."""
        if self._stopped is not None:
            return self._stopped
        self._stop.set()
        thread = self._thread
        if thread is not None:
            thread.join(timeout=self.STOP_TIMEOUT_S)
        stopped = thread is None or not thread.is_alive()
        if self._monitor is not None:
            self._monitor.close()
        if self._alarms is not None:
            self._alarms.close()
        if stopped:
            self.store.close()
        if self._scratch is not None and stopped:
            self._scratch.cleanup()
        self._stopped = stopped
        return stopped
