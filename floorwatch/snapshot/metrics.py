"""The definitions behind every number: what a call adds to a window, and the ratios.

Plain Python, shared by the live snapshot and the interval reports so both count the same
way (docs/metrics.md is the prose form of this module). A window's numbers are sums of each
call's contribution, so windows add up: a day is the sum of its intervals, the floor is the
sum of its queues (weighted by calls, never an average of percentages).
"""

from __future__ import annotations

import dataclasses
import math
import operator
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from floorwatch.config import ServiceLevel

# Positions in a contribution vector. A call counts in a window by the time its wait ended.
OFFERED = 0  # every call whose wait ended (answered, abandoned, short abandoned, left)
ANSWERED = 1
WITHIN = 2  # answered within the service level threshold (wait <= T)
ABANDONED = 3  # abandoned after at least short_abandon_s
SHORT = 4  # abandoned in less than short_abandon_s
TIMED_OUT = 5
LEFT_KEY = 6
LEFT_EMPTY = 7
WITHDRAWN = 8
WAIT_ANSWERED = 9  # sum of waits of answered calls (for ASA)
HANDLED = 10  # answered calls that have ended (talk time known)
TALK = 11  # sum of talk of handled calls
WRAPUP = 12  # sum of wrap-up of handled calls (0 where the feed reports none)
WAIT_ALL = 13  # sum of waits of every call whose wait ended
UNANSWERED_WITHIN = 14  # abandoned (not short) or left after a wait <= T (the `sl2` formula)
VECTOR_SIZE = 15

LEFT_OUTCOMES = {"timeout": TIMED_OUT, "key": LEFT_KEY, "empty": LEFT_EMPTY, "withdraw": WITHDRAWN}


# The service-level rule, once, in both of its forms (Python here, SQL for the store's sums):
# an answered call is within the threshold when its wait <= threshold_s (a wait of exactly T
# counts); an abandoned call is short when its wait < short_abandon_s (exactly S is counted
# as abandoned). A wait not known counts as 0.
_WITHIN = (operator.le, "<=")
_SHORT = (operator.lt, "<")


def answered_within(wait: float, level: ServiceLevel) -> bool:
    return _WITHIN[0](wait, level.threshold_s)


def short_abandon(wait: float, level: ServiceLevel) -> bool:
    return _SHORT[0](wait, level.short_abandon_s)


class CallLike(Protocol):
    outcome: str | None
    wait_s: float | None
    talk_s: float | None
    wrapup_s: float | None


def contribution(call: CallLike, level: ServiceLevel) -> list[float] | None:
    """What one call adds to the window its wait ended in; None while it still waits."""
    outcome = call.outcome
    if outcome is None:
        return None
    vector = [0.0] * VECTOR_SIZE
    wait = call.wait_s or 0.0
    vector[OFFERED] = 1
    vector[WAIT_ALL] = wait
    if outcome == "answered":
        vector[ANSWERED] = 1
        vector[WAIT_ANSWERED] = wait
        if answered_within(wait, level):
            vector[WITHIN] = 1
        if call.talk_s is not None:
            vector[HANDLED] = 1
            vector[TALK] = call.talk_s
            vector[WRAPUP] = call.wrapup_s or 0.0
    elif outcome == "abandoned":
        short = short_abandon(wait, level)
        vector[SHORT if short else ABANDONED] = 1
        if not short and answered_within(wait, level):
            vector[UNANSWERED_WITHIN] = 1
    elif outcome in LEFT_OUTCOMES:
        vector[LEFT_OUTCOMES[outcome]] = 1
        if answered_within(wait, level):
            vector[UNANSWERED_WITHIN] = 1
    return vector


def contribution_sql(threshold: str, short: str) -> list[str]:
    """`contribution` as SQL over a `calls` row, one expression per position of the vector
    (SQLite sums them over the calls settled long ago). `threshold` and `short` are SQL
    expressions of the row's limits (a CASE on its queue); the rule is the one above."""
    wait = "coalesce(wait_s, 0)"
    answered = "outcome = 'answered'"
    handled = f"({answered} AND talk_s IS NOT NULL)"
    vector = ["0"] * VECTOR_SIZE
    vector[OFFERED] = "outcome IS NOT NULL"
    vector[ANSWERED] = answered
    vector[WITHIN] = f"({answered} AND {wait} {_WITHIN[1]} ({threshold}))"
    vector[ABANDONED] = f"(outcome = 'abandoned' AND NOT {wait} {_SHORT[1]} ({short}))"
    vector[SHORT] = f"(outcome = 'abandoned' AND {wait} {_SHORT[1]} ({short}))"
    for outcome, position in LEFT_OUTCOMES.items():
        vector[position] = f"outcome = '{outcome}'"
    vector[WAIT_ANSWERED] = f"CASE WHEN {answered} THEN {wait} ELSE 0 END"
    vector[HANDLED] = handled
    vector[TALK] = f"CASE WHEN {handled} THEN talk_s ELSE 0 END"
    vector[WRAPUP] = f"CASE WHEN {handled} THEN coalesce(wrapup_s, 0) ELSE 0 END"
    vector[WAIT_ALL] = wait
    left = ", ".join(f"'{outcome}'" for outcome in LEFT_OUTCOMES)
    vector[UNANSWERED_WITHIN] = (
        f"(({vector[ABANDONED]}) OR outcome IN ({left})) AND {wait} {_WITHIN[1]} ({threshold})"
    )
    return vector


def _ratio(part: float, whole: float) -> float | None:
    return part / whole if whole > 0 else None


def mean_seconds(total: float, count: float) -> float | None:
    """A mean time (ASA, AHT): total / count, None with no count. A mean that comes out
    negative or not finite is None too, shown as unknown: only a bad stored row gives one (a
    store written before the parsers checked ranges can hold a talk time of -100000 s), and
    it must not reach what is computed from it (Erlang C) or make the floor unreadable."""
    if not count > 0:
        return None
    mean = total / count
    return mean if 0 <= mean < math.inf else None


@dataclass(frozen=True)
class WindowStats:
    """A queue's (or the floor's) calls whose wait ended in one window."""

    offered: int
    answered: int
    answered_within: int
    abandoned: int
    short_abandoned: int
    timed_out: int
    left_by_key: int
    left_empty: int
    withdrawn: int
    handled: int
    wait_answered_s: float
    talk_s: float
    wrapup_s: float
    wait_s: float
    max_wait_s: float | None
    formula: str
    unanswered_within: int = 0

    @classmethod
    def from_vector(cls, vector, max_wait: float | None, formula: str) -> WindowStats:
        # One conversion to Python numbers: indexing a numpy row element by element made
        # each of a snapshot's many windows cost several times more.
        vector = vector.tolist() if hasattr(vector, "tolist") else vector
        return cls(
            offered=int(vector[OFFERED]),
            answered=int(vector[ANSWERED]),
            answered_within=int(vector[WITHIN]),
            abandoned=int(vector[ABANDONED]),
            short_abandoned=int(vector[SHORT]),
            timed_out=int(vector[TIMED_OUT]),
            left_by_key=int(vector[LEFT_KEY]),
            left_empty=int(vector[LEFT_EMPTY]),
            withdrawn=int(vector[WITHDRAWN]),
            handled=int(vector[HANDLED]),
            wait_answered_s=float(vector[WAIT_ANSWERED]),
            talk_s=float(vector[TALK]),
            wrapup_s=float(vector[WRAPUP]),
            wait_s=float(vector[WAIT_ALL]),
            max_wait_s=max_wait,
            formula=formula,
            unanswered_within=int(vector[UNANSWERED_WITHIN]),
        )

    @property
    def left(self) -> int:
        """Calls that left the queue unanswered but not by hanging up (timeout, key, empty, withdraw)."""
        return self.timed_out + self.left_by_key + self.left_empty + self.withdrawn

    @property
    def service_level(self) -> float | None:
        """Share answered within the threshold, by the configured formula; None with no calls."""
        if self.formula == "answered":
            return _ratio(self.answered_within, self.answered)
        if self.formula == "offered":
            return _ratio(self.answered_within, self.offered)
        unanswered = self.abandoned + self.left
        if self.formula == "sl2":
            return _ratio(self.answered_within + self.unanswered_within, self.answered + unanswered)
        return _ratio(self.answered_within, self.answered + unanswered)

    @property
    def abandon_rate(self) -> float | None:
        """Abandoned (not short) / (answered + abandoned + left)."""
        return _ratio(self.abandoned, self.answered + self.abandoned + self.left)

    @property
    def asa_s(self) -> float | None:
        """Average speed of answer: mean wait of answered calls."""
        return mean_seconds(self.wait_answered_s, self.answered)

    @property
    def aht_s(self) -> float | None:
        """Average handle time: mean talk plus wrap-up of answered calls that have ended."""
        return mean_seconds(self.talk_s + self.wrapup_s, self.handled)

    def to_dict(self) -> dict[str, Any]:
        return {
            "offered": self.offered,
            "answered": self.answered,
            "answered_within": self.answered_within,
            "abandoned": self.abandoned,
            "short_abandoned": self.short_abandoned,
            "left": self.left,
            "timed_out": self.timed_out,
            "left_by_key": self.left_by_key,
            "left_empty": self.left_empty,
            "withdrawn": self.withdrawn,
            "unanswered_within": self.unanswered_within,
            "handled": self.handled,
            "service_level": self.service_level,
            "abandon_rate": self.abandon_rate,
            "asa_s": self.asa_s,
            "aht_s": self.aht_s,
            "max_wait_s": self.max_wait_s,
        }


def occupancy(talk_s: float, wrapup_s: float, idle_s: float) -> float | None:
    """(talk + wrap-up) / (talk + wrap-up + available idle)."""
    return _ratio(talk_s + wrapup_s, talk_s + wrapup_s + idle_s)


def combined(stats: Iterable[WindowStats], formula: str) -> WindowStats:
    """Several queues' windows as one (a site's, a floor's): counts and sums added, the
    longest wait the longest, service level by `formula`."""
    items = list(stats)
    waits = [item.max_wait_s for item in items if item.max_wait_s is not None]
    counted = [
        field.name
        for field in dataclasses.fields(WindowStats)
        if field.name not in ("max_wait_s", "formula")
    ]
    return WindowStats(
        **{name: sum(getattr(item, name) for item in items) for name in counted},
        max_wait_s=max(waits) if waits else None,
        formula=formula,
    )
