"""Reads the day's quality figures (FCR, CSAT) for a viewer or a one-shot snapshot.

FCR needs every call of the day and those after it that could repeat one. A viewer reads them
once a day and then only the rows that changed, at most every REFRESH_S of its clock: these
figures move with whole calls over hours, and a queue board updated twice a minute shows them
in time. A reader at a fixed instant (a rewound floor, `snapshot --at`) counts the same calls
again at each instant it is moved to (each call's resolution says when its repeat became
known, fcr.py), so a rewind step costs a tally, not a read of the day.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from floorwatch.config import Config
from floorwatch.events import AgentState
from floorwatch.snapshot.adherence import Adherence, AgentNow, adherence_at
from floorwatch.snapshot.fcr import DayThreads
from floorwatch.snapshot.floor_snapshot import FloorSnapshot
from floorwatch.snapshot.quality import DayQuality, day_quality
from floorwatch.store.reading import ReadOnlyStore
from floorwatch.store.rows import CallRow, RatingRow, ScheduleRow
from floorwatch.store.schema import AGENT_STATES

OFFLINE, PAUSED = AgentState.OFFLINE.value, AgentState.PAUSED.value

REFRESH_S = 30.0
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
    """The day's figures and plan. FCR comes from the day's calls threaded by caller
    (fcr.DayThreads), read once a day and then kept up to date from the rows that changed: a
    live reader every REFRESH_S, a reader at a fixed instant whenever it is moved. The figures
    at an instant are counted from them as the calls known then tell. Adherence is worked out
    at every snapshot from the plan and the agents' states then. One cache can serve several
    readers of the same store (the rewind's past floors share one)."""

    def __init__(self, store: ReadOnlyStore, config: Config):
        self.store = store
        self.config = config
        self._figures: DayQuality | None = None
        self._plan: list[ScheduleRow] = []
        self._logins: dict[str, float] = {}
        self._read_at = -math.inf
        #: The day's calls: the day they are of, threaded, and the commit read up to.
        self._day: tuple[float, DayThreads] | None = None
        self._seq = 0

    def at(self, day_start: float, now: float, fixed: bool = False) -> DayQuality:
        figures = self._figures
        end = math.nextafter(now, math.inf)  # what happened at `now` is known at `now`
        fresh = figures is not None and figures.start == day_start
        if fresh and (figures.end == end or (not fixed and now - self._read_at < REFRESH_S)):
            return figures
        threads = self._threads(day_start)
        queries = self.store.queries
        ratings = queries.ratings(day_start, end)
        figures = day_quality((), ratings, self.config, day_start, end, threads.resolutions(), now)
        self._plan = queries.schedules(day_start - 86400, now + 86400)
        self._logins = first_logins(self.store, day_start, now) if self._plan else {}
        self._figures, self._read_at = figures, now
        return figures

    def _threads(self, day_start: float) -> DayThreads:
        """The day's calls with an outcome (and those after it that can repeat them), read
        whole for a new day, else brought up to date with the rows changed since."""
        queries = self.store.queries
        day = self._day
        with queries.read_transaction():
            seq = queries.seq()
            if day is None or day[0] != day_start:
                reach = day_start + 2 * 86400 + self.config.fcr.window_h * 3600 + LONGEST_WAIT_S
                threads = DayThreads(self.config.fcr)
                threads.take(queries.calls_with_outcome(day_start, reach))
                day = self._day = (day_start, threads)
            elif seq != self._seq:
                changed = queries.calls_changed(self._seq)
                day[1].take(c for c in changed if c.wait_end_at and c.wait_end_at >= day_start)
        self._seq = seq
        return day[1]

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
