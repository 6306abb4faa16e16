"""Customer satisfaction from post-call survey scores (the `call_rated` event).

CSAT is the share of top scores: a score whose share of its scale (score / scale_max, the
event's scale or the config's) is at least `[satisfaction] top_share`, so 4 and 5 of 1-5 and
8 to 10 of 0-10 at the default 0.8. The mean score is shown on the config's scale. A rating
counts for its call's queue and agent, in the interval it was given.

Pure: rows in, tallies out; the reports, `snapshot`, the dashboard and the burnout evidence
all count with this.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

from floorwatch.manager_config import SatisfactionConfig


class RatingLike(Protocol):
    queue: str | None
    agent: str | None
    ts: float
    score: float
    scale_max: float | None


def share(rating: RatingLike, config: SatisfactionConfig) -> float:
    """The score as a share of its scale's top (0..1, more than 1 only for a bad feed)."""
    top = rating.scale_max or config.scale_max
    return rating.score / top if top else 0.0


@dataclass(slots=True)
class CsatTally:
    """Scores given, top scores among them, and their sum on the config's scale."""

    rated: int = 0
    top: int = 0
    score_sum: float = 0.0

    def add(self, rating: RatingLike, config: SatisfactionConfig) -> None:
        part = share(rating, config)
        self.rated += 1
        self.top += part >= config.top_share - 1e-9
        self.score_sum += part * config.scale_max

    @property
    def csat(self) -> float | None:
        """The share of top scores; None with no score."""
        return self.top / self.rated if self.rated else None

    @property
    def mean_score(self) -> float | None:
        return self.score_sum / self.rated if self.rated else None

    def to_dict(self) -> dict:
        return {"rated": self.rated, "csat": self.csat, "mean_score": self.mean_score}


def tally(
    ratings: Iterable[RatingLike],
    config: SatisfactionConfig,
    key: Callable[[RatingLike], object],
    start: float | None = None,
    end: float | None = None,
) -> dict:
    """Tallies by `key` of the ratings given in [start, end)."""
    tallies: dict = defaultdict(CsatTally)
    for rating in ratings:
        if (start is None or rating.ts >= start) and (end is None or rating.ts < end):
            tallies[key(rating)].add(rating, config)
    return dict(tallies)


def low_score_run(ratings: Iterable[RatingLike], config: SatisfactionConfig) -> list[RatingLike]:
    """The latest run of consecutive low scores (at or under `low_share` of the scale) in
    `ratings` (one agent's, oldest first), if it is at least `low_run` long; else []."""
    run: list[RatingLike] = []
    for rating in ratings:
        run = run + [rating] if share(rating, config) <= config.low_share + 1e-9 else []
    return run if len(run) >= config.low_run else []
