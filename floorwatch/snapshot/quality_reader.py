"""Reads the day's quality figures (FCR, CSAT) for a viewer or a one-shot snapshot.

FCR needs every call of the day and those after it that could repeat one, so a viewer reads
them again at most every REFRESH_S of its clock rather than at each refresh: these figures move
with whole calls over hours, and a queue board updated twice a minute shows them in time.

A reader at a fixed instant (a rewound floor, `snapshot --at`) reads the day's calls once and
counts them again at each instant it is moved to (each call's resolution says when its repeat
became known, fcr.py), so a rewind step costs a tally, not a read of the day.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from floorwatch.config import Config
from floorwatch.events import AgentState
from floorwatch.snapshot.adherence import Adherence, AgentNow, adherence_at
from floorwatch.snapshot.fcr import Resolution, resolutions
from floorwatch.snapshot.floor_snapshot import FloorSnapshot
from floorwatch.snapshot.quality import DayQuality, day_quality
from floorwatch.store.reading import ReadOnlyStore
from floorwatch.store.rows import CallRow, RatingRow, ScheduleRow
from floorwatch.store.schema import AGENT_STATES

OFFLINE, PAUSED = AgentState.OFFLINE.value, AgentState.PAUSED.value

REFRESH_S = 30.0
#: A fixed-instant reader reads the day again this often (monotonic) if the store moved: a row
#: about the past that arrived late (a backfilled feed) is counted within this.
FIXED_REFRESH_S = 300.0
#: A repeat is found by its wait's end: a call enters at most this long before it.
LONGEST_WAIT_S = 4 * 3600.0


@dataclass
class QualityRows:
    """What the figures of [start, end) are counted from, as the store knew it at `now`."""

    calls: list[CallRow]
    ratings: list[RatingRow]
    start: float
    end: float


def load_quality_rows(
    store: ReadOnlyStore,
    config: Config,
    start: float,
    end: float,
    now: float | None = None,
    period_calls: list[CallRow] | None = None,
) -> QualityRows:
    """The calls and ratings for the figures of [start, end) as the store knew them at `now`
    (None: all it knows, which for a past day includes the calls after it that repeat its
    calls). `period_calls`: the calls of the period with an outcome, if already read (a report
    has them), with `now` None."""
    queries = store.queries
    known = math.inf if now is None else now
    reach = math.nextafter(min(end + config.fcr.window_h * 3600 + LONGEST_WAIT_S, known), math.inf)
    period_end = math.nextafter(min(end, known), math.inf) if now is not None else end
    with queries.read_transaction():
        if period_calls is not None and now is None:
            calls = list(period_calls)
        else:
            calls = queries.calls_with_outcome(start, period_end)
        if calls:  # the calls after the period only matter as repeats of the period's
            calls += queries.calls_with_outcome(period_end, reach)
        ratings = queries.ratings(start, period_end)
    if now is not None:
        for call in calls:
            if call.ended_at is not None and call.ended_at > now:
                call.ended_at = None  # not over yet at `now`: not repeatable yet
    return QualityRows(calls, ratings, start, period_end)


def load_day_quality(
    store: ReadOnlyStore, config: Config, start: float, end: float, now: float | None = None
) -> DayQuality:
    """The figures of [start, end) as the store knew them at `now` (see load_quality_rows)."""
    rows = load_quality_rows(store, config, start, end, now)
    return day_quality(rows.calls, rows.ratings, config, rows.start, rows.end)


def first_logins(store: ReadOnlyStore, day_start: float, now: float) -> dict[str, float]:
    """Each agent's first moment logged in today (up to `now`)."""
    found: dict[str, float] = {}
    for row in store.queries.intervals_overlapping(AGENT_STATES, day_start, now):
        if row.state != OFFLINE and row.start <= now:
            start = max(row.start, day_start)
            if start < found.get(row.agent, math.inf):
                found[row.agent] = start
    return found


class QualityCache:
    """The day's figures and plan, read again when the day changes or REFRESH_S have passed;
    adherence is worked out at every snapshot from them and the agents' states then. One cache
    can serve several readers of the same store (the rewind's past floors share one)."""

    def __init__(self, store: ReadOnlyStore, config: Config):
        self.store = store
        self.config = config
        self._figures: DayQuality | None = None
        self._plan: list[ScheduleRow] = []
        self._logins: dict[str, float] = {}
        self._read_at = -math.inf
        #: For fixed instants: the day's rows and resolutions as last read, the instant they
        #: answer for up to, and when (monotonic) and at which commit they were read.
        self._day: tuple[float, QualityRows, list[Resolution], float, float, int] | None = None

    def at(self, day_start: float, now: float, fixed: bool = False) -> DayQuality:
        if fixed:
            return self._fixed_at(day_start, now)
        figures = self._figures
        if figures is None or figures.start != day_start or now - self._read_at >= REFRESH_S:
            figures = load_day_quality(self.store, self.config, day_start, now, now)
            self._read_plan(day_start, now)
            self._figures, self._read_at = figures, now
        return figures

    def _read_plan(self, day_start: float, now: float) -> None:
        self._plan = self.store.queries.schedules(day_start - 86400, now + 86400)
        self._logins = first_logins(self.store, day_start, now) if self._plan else {}

    def _fixed_at(self, day_start: float, now: float) -> DayQuality:
        """The figures of [day_start, now) as the calls known at `now` tell, counted from the
        day's rows read once (again for another day, an instant past what they answer for, or
        after FIXED_REFRESH_S if the store has moved)."""
        figures = self._figures
        end = math.nextafter(now, math.inf)  # what happened at `now` is known at `now`
        if figures is not None and figures.start == day_start and figures.end == end:
            return figures
        day = self._day
        seq = self.store.queries.seq()
        if (
            day is None
            or day[0] != day_start
            or now > day[3]
            or (seq != day[5] and time.monotonic() - day[4] >= FIXED_REFRESH_S)
        ):
            rows = load_quality_rows(self.store, self.config, day_start, day_start + 2 * 86400)
            found = resolutions(rows.calls, self.config.fcr)
            until = max(now, max((call.wait_end_at or 0.0 for call in rows.calls), default=0.0))
            day = self._day = (day_start, rows, found, until, time.monotonic(), seq)
        rows, found = day[1], day[2]
        figures = day_quality(rows.calls, rows.ratings, self.config, day_start, end, found, now)
        if self._read_at != now:
            self._read_plan(day_start, now)
        self._figures, self._read_at = figures, now
        return figures

    def adherence(self, floor: FloorSnapshot) -> Adherence | None:
        """Adherence at the floor's instant; None when nothing is planned around it."""
        if not self._plan:
            return None
        agents = {}
        for name, agent in floor.agents.items():
            logged_in = agent.state != OFFLINE
            first = self._logins.get(name)
            if logged_in and agent.open_from is not None:
                first = min(first or math.inf, agent.open_from)
            agents[name] = AgentNow(logged_in, logged_in and agent.state != PAUSED, first)
        for name, first in self._logins.items():
            agents.setdefault(name, AgentNow(False, False, first))
        return adherence_at(self._plan, agents, floor.at, self.config.schedule)
