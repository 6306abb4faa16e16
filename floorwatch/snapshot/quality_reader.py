"""Reads the day's quality figures (FCR, CSAT) for a viewer or a one-shot snapshot.

FCR needs every call of the day and those after it that could repeat one, so a viewer reads
them again at most every REFRESH_S of its clock rather than at each refresh: these figures move
with whole calls over hours, and a queue board updated twice a minute shows them in time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from floorwatch.config import Config
from floorwatch.snapshot.quality import DayQuality, day_quality
from floorwatch.store.reading import ReadOnlyStore
from floorwatch.store.rows import CallRow, RatingRow

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


class QualityCache:
    """The day's figures, read again when the day changes or REFRESH_S have passed."""

    def __init__(self, store: ReadOnlyStore, config: Config):
        self.store = store
        self.config = config
        self._figures: DayQuality | None = None
        self._read_at = -math.inf

    def at(self, day_start: float, now: float, fixed: bool = False) -> DayQuality:
        figures = self._figures
        stale = figures is None or figures.start != day_start
        if stale or (not fixed and now - self._read_at >= REFRESH_S):
            figures = load_day_quality(self.store, self.config, day_start, now, now)
            self._figures, self._read_at = figures, now
        return figures
