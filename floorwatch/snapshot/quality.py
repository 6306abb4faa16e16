"""The day's quality figures: first-call resolution and satisfaction per queue, per agent and
for the floor, the numbers a manager sets targets for beside speed and efficiency.

Pure: `day_quality` takes the calls and ratings rows and the period; `snapshot/quality_reader.py`
reads them for a viewer, `reports/` for a report, so every view counts the same way.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from floorwatch.config import Config
from floorwatch.snapshot import csat, fcr


@dataclass
class QualityFigures:
    """FCR and CSAT of one queue, one agent or the floor."""

    fcr: fcr.FcrTally = field(default_factory=fcr.FcrTally)
    csat: csat.CsatTally = field(default_factory=csat.CsatTally)

    def to_dict(self) -> dict[str, Any]:
        return self.fcr.to_dict() | self.csat.to_dict()


EMPTY = QualityFigures()


@dataclass
class DayQuality:
    """FCR and CSAT of the calls whose wait ended (and the ratings given) in [start, end)."""

    start: float
    end: float
    floor: QualityFigures = field(default_factory=QualityFigures)
    queues: dict[str, QualityFigures] = field(default_factory=dict)
    agents: dict[str, QualityFigures] = field(default_factory=dict)

    def queue(self, name: str) -> QualityFigures:
        return self.queues.get(name, EMPTY)

    def agent(self, name: str) -> QualityFigures:
        return self.agents.get(name, EMPTY)

    def to_dict(self) -> dict[str, Any]:
        return {
            "floor": self.floor.to_dict(),
            "queues": {name: figures.to_dict() for name, figures in self.queues.items()},
            "agents": {name: figures.to_dict() for name, figures in self.agents.items()},
        }


def _fcr_counts(
    found: Iterable[fcr.Resolution],
    start: float,
    end: float,
    as_of: float | None,
    keys_of: Callable[[fcr.Resolution], tuple],
) -> dict:
    """FCR tallies by the keys each call counts under, of the calls whose wait ended in
    [start, end); resolved as far as every call tells, or as the calls known at `as_of`.
    (Plain counters, made tallies at the end: a day of a big floor is 300,000 calls, and a
    rewind step counts it again.)"""
    counted: list = []
    kept: list = []
    for resolution in found:
        if not start <= resolution.at < end:
            continue
        keys = keys_of(resolution)
        counted += keys
        if as_of is None:
            if resolution.repeat_id is None:
                kept += keys
        else:
            known = resolution.repeat_known_at
            if known is None or known > as_of:
                kept += keys
    calls_of, resolved_of = Counter(counted), Counter(kept)  # (counted in C)
    return {key: fcr.FcrTally(count, resolved_of[key]) for key, count in calls_of.items()}


def day_quality(
    calls: Iterable[fcr.CallLike],
    ratings: Iterable[csat.RatingLike],
    config: Config,
    start: float,
    end: float,
    resolved: list[fcr.Resolution] | None = None,
    as_of: float | None = None,
) -> DayQuality:
    """The figures of [start, end): `calls` must include those that could repeat them (up to
    the FCR window after `end`), `ratings` those given in the period (`resolved`: the calls'
    resolutions, if already worked out). With `as_of`, a call counts as resolved as far as
    the calls known at that instant tell (the rows may hold later ones)."""
    quality = DayQuality(start, end)
    found = fcr.resolutions(calls, config.fcr) if resolved is None else resolved
    counts = _fcr_counts(
        found,
        start,
        end,
        as_of,
        lambda r: ((True, r.queue), (False, r.agent)) if r.agent else ((True, r.queue),),
    )
    for (is_queue, name), tally in counts.items():
        (quality.queues if is_queue else quality.agents)[name] = QualityFigures(tally)
        if is_queue:
            quality.floor.fcr.calls += tally.calls
            quality.floor.fcr.resolved += tally.resolved
    scale = config.satisfaction
    for rating in ratings:
        if not start <= rating.ts < end:
            continue
        quality.floor.csat.add(rating, scale)
        if rating.queue:
            quality.queues.setdefault(rating.queue, QualityFigures()).csat.add(rating, scale)
        if rating.agent:
            quality.agents.setdefault(rating.agent, QualityFigures()).csat.add(rating, scale)
    return quality


def interval_quality(
    calls: Iterable[fcr.CallLike],
    ratings: Iterable[csat.RatingLike],
    config: Config,
    start: float,
    end: float,
    interval_s: float,
    resolved: list[fcr.Resolution] | None = None,
) -> dict[tuple[str, str, int], QualityFigures]:
    """The figures by ("queue" or "agent", name, interval number from `start`), counted as
    `day_quality` counts them."""
    out: dict[tuple[str, str, int], QualityFigures] = {}

    def figures(kind: str, name: str, at: float) -> QualityFigures:
        key = (kind, name, int((at - start) // interval_s))
        found = out.get(key)
        if found is None:
            found = out[key] = QualityFigures()
        return found

    def keys_of(r: fcr.Resolution) -> tuple:
        bucket = int((r.at - start) // interval_s)
        queue = ("queue", r.queue, bucket)
        return (queue, ("agent", r.agent, bucket)) if r.agent else (queue,)

    found = fcr.resolutions(calls, config.fcr) if resolved is None else resolved
    for key, tally in _fcr_counts(found, start, end, None, keys_of).items():
        out[key] = QualityFigures(tally)
    scale = config.satisfaction
    for rating in ratings:
        if start <= rating.ts < end:
            if rating.queue:
                figures("queue", rating.queue, rating.ts).csat.add(rating, scale)
            if rating.agent:
                figures("agent", rating.agent, rating.ts).csat.add(rating, scale)
    return out
