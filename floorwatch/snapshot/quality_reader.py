"""Reads the day's quality figures (FCR, CSAT) for a viewer or a one-shot snapshot.

FCR needs every call of the day and those after it that could repeat one, so a viewer reads
them again at most every REFRESH_S of its clock rather than at each refresh: these figures move
with whole calls over hours, and a queue board updated twice a minute shows them in time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from floorwatch.config import Config
from floorwatch.events import AgentState
from floorwatch.snapshot.adherence import Adherence, AgentNow, adherence_at
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
    store: ReadOnlyStore, config: Config, start: float, end: float, now: float | None = None
) -> QualityRows:
    """The calls and ratings for the figures of [start, end) as the store knew them at `now`
    (None: all it knows, which for a past day includes the calls after it that repeat its
    calls)."""
    queries = store.queries
    known = math.inf if now is None else now
    reach = math.nextafter(min(end + config.fcr.window_h * 3600 + LONGEST_WAIT_S, known), math.inf)
    period_end = math.nextafter(min(end, known), math.inf) if now is not None else end
    with queries.read_transaction():
        calls = queries.calls_with_outcome(start, reach)
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
    adherence is worked out at every snapshot from them and the agents' states then."""

    def __init__(self, store: ReadOnlyStore, config: Config):
        self.store = store
        self.config = config
        self._figures: DayQuality | None = None
        self._plan: list[ScheduleRow] = []
        self._logins: dict[str, float] = {}
        self._read_at = -math.inf

    def at(self, day_start: float, now: float, fixed: bool = False) -> DayQuality:
        figures = self._figures
        stale = figures is None or figures.start != day_start
        # A reader at a fixed instant (snapshot --at, a rewound floor) reads them at that
        # instant, again whenever it is moved to another one; a live one every REFRESH_S.
        moved = now != self._read_at if fixed else now - self._read_at >= REFRESH_S
        if stale or moved:
            figures = load_day_quality(self.store, self.config, day_start, now, now)
            self._plan = self.store.queries.schedules(day_start - 86400, now + 86400)
            self._logins = first_logins(self.store, day_start, now) if self._plan else {}
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
