"""Runs the burnout rules for every agent inside the ingest, once per change of the floor, and
keeps the flags in the store, so every viewer just reads them (twenty viewers do not evaluate
the rules twenty times) and `floorwatch burnout` can show the week's history.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from floorwatch.burnout import FlagChanges, FlagTracker, evaluate
from floorwatch.config import Config
from floorwatch.floor import ALL
from floorwatch.reader import FloorReader, load_flags
from floorwatch.store import Store

log = logging.getLogger(__name__)


def agent_baselines(store: Store, day_start: float, days: int) -> dict[str, tuple[float, int]]:
    """Each agent's AHT (talk + wrap-up) over the `days` days before `day_start`, with its
    number of calls: the yardstick of the "slowing down" rule (pandas, once a day)."""
    frame = pd.read_sql_query(
        "SELECT agent, talk_s + coalesce(wrapup_s, 0) AS handle_s FROM calls "
        "WHERE wait_end_at >= ? AND wait_end_at < ? AND outcome = 'answered' "
        "AND talk_s IS NOT NULL AND agent IS NOT NULL",
        store.conn,
        params=(day_start - days * 86400, day_start),
    )
    if frame.empty:
        return {}
    grouped = frame.groupby("agent")["handle_s"].agg(["mean", "count"])
    return {agent: (float(row["mean"]), int(row["count"])) for agent, row in grouped.iterrows()}


class BurnoutMonitor:
    """Evaluates every agent at `now` every `every_s` seconds (of the clock it is given) and
    writes what changed. Without a clock it follows the feed's own time (bulk loads, replays)."""

    def __init__(self, db_path: str | Path, config: Config, *,
                 clock: Callable[[], float] | None = None, every_s: float | None = 5.0):  # fmt: skip
        self.db_path = Path(db_path)
        self.config = config
        self.clock = clock
        self.every_s = every_s
        self.last_run: float | None = None
        self._reader: FloorReader | None = None
        self._tracker: FlagTracker | None = None
        self._baselines: tuple[float, dict[str, tuple[float, int]]] | None = None
        self.last_seconds = 0.0

    def _feed_time(self, store: Store) -> float | None:
        return store.conn.execute("SELECT max(last_event_ts) FROM sources").fetchone()[0]

    def now(self, store: Store) -> float | None:
        return self.clock() if self.clock is not None else self._feed_time(store)

    def after_commit(self, store: Store) -> FlagChanges | None:
        """Called by the ingest after each commit: evaluate if it is time to."""
        if self.every_s is None:
            return None
        now = self.now(store)
        if now is None or (self.last_run is not None and now - self.last_run < self.every_s):
            return None
        return self.run(store, now)

    def run(self, store: Store, now: float | None = None) -> FlagChanges | None:
        """Evaluate every agent at `now` and record the changes in `store` (the writer's)."""
        now = self.now(store) if now is None else now
        if now is None:
            return None
        started = time.perf_counter()
        if self._reader is None:
            self._reader = FloorReader(Store.open_readonly(self.db_path), self.config,
                                       clock=lambda: now)  # fmt: skip
            self._tracker = FlagTracker(
                self.config.burnout,
                [flag for flag in load_flags(store) if flag.cleared_at is None],
            )
        reader = self._reader
        reader.clock = lambda: now
        reader.refresh()
        snapshot = reader.snapshot(now, details=ALL)
        baselines = self.baselines(reader.store, snapshot.day_start)
        changes = FlagChanges()
        tracker = self._tracker
        model = reader.model
        for name in set(snapshot.agents) | tracker.agents():
            facts = model.agent_facts(snapshot, name)
            if facts is None:
                tracker.update(name, now, {}, changes)
                continue
            facts.baseline_aht, facts.baseline_calls = baselines.get(name, (None, 0))
            tracker.update(name, now, evaluate(facts, self.config.burnout), changes)
        store.write_flags(changes)
        self.last_run = now
        self.last_seconds = time.perf_counter() - started
        return changes

    def baselines(self, store: Store, day_start: float) -> dict[str, tuple[float, int]]:
        if self._baselines is None or self._baselines[0] != day_start:
            days = self.config.burnout.slowing_baseline_days
            self._baselines = (day_start, agent_baselines(store, day_start, days))
        return self._baselines[1]

    def close(self) -> None:
        if self._reader is not None:
            self._reader.store.close()
            self._reader = None
