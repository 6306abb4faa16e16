"""Evaluates the alarm rules inside the ingest, after its commits and on a timer, and keeps
the alarms in the store, so every viewer only reads them (and rings its bell once per alarm).

The timer matters: a caller's wait grows and a feed goes quiet with no event at all, so the
ingest calls `tick` whenever it is idle; a round runs at most every `every_s` seconds of its
clock. The monitor keeps a FloorModel of its own (the viewers' model: queue windows, waiting
callers), fed only what changed since its last round, and reads one lean floor per round
(FloorModel.lean: only what the rules read), its rules remembering between rounds what did
not move (a ReadingMemo).
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from pathlib import Path

from floorwatch.alarm_config import clear_after
from floorwatch.config import Config
from floorwatch.ingest.alarm_notify import Notifier
from floorwatch.snapshot.alarms import AlarmChanges, AlarmTracker, measure
from floorwatch.snapshot.alarms.agent_watch import AgentWatch
from floorwatch.snapshot.alarms.memo import ReadingMemo
from floorwatch.snapshot.alarms.rules import windows_read
from floorwatch.snapshot.alarms.stored import alarm_from_row
from floorwatch.snapshot.reader import FloorReader
from floorwatch.store.database import Store

log = logging.getLogger(__name__)


class AlarmMonitor:
    """Rounds of the alarm rules at the clock's `now` (without a clock: the feed's time)."""

    def __init__(
        self,
        db_path: str | Path,
        config: Config,
        *,
        clock: Callable[[], float] | None = None,
        every_s: float | None = None,
        notifier: Notifier | None = None,
    ):
        self.db_path = Path(db_path)
        self.config = config
        self.clock = clock
        self.every_s = config.alarms.every_s if every_s is None else every_s
        self.notifier = notifier
        self.last_run: float | None = None
        self.last_seconds = 0.0
        self.last_parts: dict[str, float] = {}
        self._reader: FloorReader | None = None
        self._tracker: AlarmTracker | None = None
        self._model: object | None = None
        self._watch = AgentWatch()
        #: The rules' readings of the last round, handed back where nothing moved.
        self._memo = ReadingMemo()
        self._seen_version = 0  # the model's version at the last round
        #: Agents with recent missed rings (the missed-rings rule reads only theirs).
        self._missers: set[str] = set()
        self._windows = windows_read(config.alarms)

    def now(self, store: Store) -> float | None:
        return self.clock() if self.clock is not None else store.queries.feed_time()

    def after_commit(self, store: Store) -> AlarmChanges | None:
        """After each commit, and whenever the ingest is idle: a round if it is time."""
        if not self.config.alarms.enabled or math.isinf(self.every_s):
            return None
        now = self.now(store)
        if now is None or (self.last_run is not None and 0 <= now - self.last_run < self.every_s):
            return None
        return self.run(store, now)

    tick = after_commit

    def run(self, store: Store, now: float | None = None) -> AlarmChanges | None:
        """One round at `now`: read what changed, measure, raise and clear, store, notify."""
        now = self.now(store) if now is None else now
        if now is None:
            return None
        started = time.perf_counter()
        if self._reader is None:
            self._reader = FloorReader(
                Store.open_readonly(self.db_path), self.config, clock=lambda: now
            )
            open_alarms = [alarm_from_row(row) for row in store.queries.open_alarms()]
            self._tracker = AlarmTracker(clear_after(self.config.alarms), open_alarms)
        reader, tracker = self._reader, self._tracker
        assert tracker is not None
        reader.clock = lambda: now
        reader.refresh()
        refreshed = time.perf_counter()
        model = reader.model
        touched: list[str] | None
        if model is not self._model or (self.last_run is not None and now < self.last_run):
            self._model = model  # a new day, or a replay gone back: pending proves nothing
            tracker.forget_pending()
            self._memo.clear()
            touched = None
        else:
            touched = model.touched_since(self._seen_version)
        self._seen_version = model.version
        # The lean floor: only what the rules read (not a dashboard's whole snapshot).
        floor = model.lean(now, self._windows)
        laid = time.perf_counter()
        misses = self._misses(model.agents, touched)
        changes = tracker.update(
            now, measure(floor, self.config.alarms, misses, (self._watch, touched), self._memo)
        )
        ruled = time.perf_counter()
        notifier = self.notifier
        health = notifier.changed_health() if notifier else []
        if notifier:
            # Acknowledgements come through the control socket (read before this round's
            # clears are written): a hook says who took an alarm when it clears, and stops
            # repeating one somebody has taken.
            taken = store.queries.acknowledgements()
            for alarm in [*tracker.open.values(), *changes.cleared]:
                if alarm.store_id in taken:
                    alarm.acked_ts, alarm.acked_by, alarm.ack_note = taken[alarm.store_id]
        store.write_alarms(changes, health)
        if notifier:
            notifier.notify(changes, now)
            notifier.repeat([a for a in tracker.open.values() if not a.acknowledged], now)
        self.last_run = now
        ended = time.perf_counter()
        self.last_seconds = ended - started
        #: Where the last round's time went (bench/alarms.py prints it).
        self.last_parts = {
            "refresh": refreshed - started,
            "lean floor": laid - refreshed,
            "rules": ruled - laid,
            "write and notify": ended - ruled,
        }
        return changes

    def _misses(self, books, touched: list[str] | None) -> dict:
        """The recent missed rings of the agents who have as many in the last hour as the
        missed-rings rule needs (the only ones who can trip it), kept up to date from the
        agents that changed (an agent whose old misses age out stays until they change:
        the rule counts the window itself)."""
        rule = self.config.alarms.rules.missed_rings
        if not rule.enabled:
            return {}
        fewest = min(rule.threshold, rule.clear_for(None))
        missers = self._missers
        if touched is None:
            missers.clear()
            touched = list(books)
        for name in touched:
            book = books.get(name)
            if book is not None and len(book.misses) >= fewest:
                missers.add(name)
            else:
                missers.discard(name)
        return {name: books[name].misses for name in missers if name in books}

    def open_alarms(self) -> list:
        return list(self._tracker.open.values()) if self._tracker is not None else []

    def close(self) -> None:
        if self.notifier is not None:
            self.notifier.close()
        if self._reader is not None:
            self._reader.store.close()
            self._reader = None
