"""What the one-shot commands read, once, read-only: the floor (`floorwatch snapshot`, and the
demo and the replay run with --headless) and the burnout flags of a past window (`floorwatch
burnout`), and the alarms of one (`floorwatch alarms`)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from floorwatch.clock import StoreClock
from floorwatch.config import Config
from floorwatch.snapshot.alarms import Alarm
from floorwatch.snapshot.alarms.stored import alarm_from_row
from floorwatch.snapshot.burnout import Flag
from floorwatch.snapshot.floor_snapshot import FloorSnapshot
from floorwatch.snapshot.lookback import Lookback, ShiftRecord
from floorwatch.snapshot.reader import FloorReader, load_flags, load_pbx_counters
from floorwatch.store.database import Store
from floorwatch.store.feed_clock import recorded_feed_clock
from floorwatch.store.rows import ActionRow


def read_floor(
    database: str | Path,
    config: Config,
    *,
    at: float | None = None,
    clock: Callable[[], float] | None = None,
) -> FloorSnapshot:
    """The floor at `at` (a past instant), else now by `clock` (None: the feed clock the store
    records, a demo's or a replay's, else the wall clock), from a read-only connection.

    Raises StoreError for a database that is missing or not floorwatch's.
    """
    with Store.open_readonly(database) as store:
        if clock is None:
            clock = StoreClock()
            clock.follow(recorded_feed_clock(store))
        floor = FloorReader(store, config, at=at, clock=clock).snapshot()
        counters = load_pbx_counters(store, config, floor.day_start, floor.at)
    for name, queue in floor.queues.items():
        queue.pbx = counters.get(name)
    return floor


@dataclass
class FlagWindow:
    """The burnout flags raised from `since` to `until`."""

    since: float
    until: float
    flags: list[Flag]


def read_flags(database: str | Path, agent: str | None, window_s: float) -> FlagWindow:
    """The flags of the last `window_s` seconds (of `agent` only, if given). The window ends
    now, or, for a store of a past day, a day after its last event (never before it).

    Raises StoreError for a database that is missing or not floorwatch's.
    """
    store = Store.open_readonly(database)
    try:
        latest = store.queries.last_event_ts()
        now = max(time.time() if latest is None else min(time.time(), latest + 86400), latest or 0)
        flags = load_flags(store, agent, now - window_s)
    finally:
        store.close()
    return FlagWindow(now - window_s, now, flags)


def read_actions(database: str | Path, window_s: float) -> tuple[float, list[ActionRow]]:
    """The audit rows of supervisor actions of the last `window_s` seconds, and where the
    window starts. Raises StoreError for a database that is missing or not floorwatch's."""
    since = time.time() - window_s
    with Store.open_readonly(database) as store:
        return since, store.queries.actions(since)


def read_shift(
    database: str | Path, config: Config, since_s: float, *, at: float | None = None
) -> tuple[FloorSnapshot, ShiftRecord]:
    """The floor at the shift's end (`at`, else now, as `read_floor`) and the shift's record
    from `since_s` before it (the handover).

    Raises StoreError for a database that is missing or not floorwatch's.
    """
    floor = read_floor(database, config, at=at)
    lookback = Lookback(database, config)
    try:
        record = lookback.shift(floor.at - since_s, floor.at)
    finally:
        lookback.close()
    return floor, record


@dataclass
class AlarmWindow:
    """The alarms up at some point from `since` to `until` (as they stood at `until`)."""

    since: float
    until: float
    alarms: list[Alarm]


def read_alarms(database: str | Path, window_s: float, at: float | None = None) -> AlarmWindow:
    """Alarms of the last `window_s` seconds before `at` (default: now, or for a store of a
    past day, up to a day after its last event), newest first. With `at`, an alarm cleared
    after it is shown open, as it was then.

    Raises StoreError for a database that is missing or not floorwatch's.
    """
    with Store.open_readonly(database) as store:
        if at is None:
            latest = store.queries.last_event_ts()
            now = time.time()
            at = max(now if latest is None else min(now, latest + 86400), latest or 0)
        rows = store.queries.alarms(at - window_s, at)
    alarms = [alarm_from_row(row) for row in rows]
    for alarm in alarms:
        if alarm.cleared_ts is not None and alarm.cleared_ts > at:
            alarm.cleared_ts = None
    return AlarmWindow(at - window_s, at, alarms)
