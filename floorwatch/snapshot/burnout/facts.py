"""What the burnout rules read and what they find: one agent's facts at an instant, and a finding.

Plain data. The floor model (snapshot/model/burnout_facts.py) builds the facts from an agent's
book; the rules (rules.py) turn them into findings; the flag tracker (flags.py) into flags.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

WATCH, WARNING, CRITICAL = "watch", "warning", "critical"
SEVERITIES = (WATCH, WARNING, CRITICAL)
RANK = {WATCH: 1, WARNING: 2, CRITICAL: 3}


@dataclass(frozen=True)
class CallFact:
    """What the rules need of one answered call."""

    call_id: str
    queue: str
    answered_at: float
    ended_at: float | None
    talk_s: float | None
    wrapup_s: float | None

    @property
    def handle_s(self) -> float | None:
        if self.talk_s is None:
            return None
        return self.talk_s + (self.wrapup_s or 0.0)


@dataclass(frozen=True)
class Span:
    """A stretch of availability: (start, end or None while open, state, reason)."""

    start: float
    end: float | None
    state: str
    reason: str | None


@dataclass
class AgentFacts:
    """One agent at `now`, as the rules see them."""

    agent: str
    now: float
    day_start: float
    #: Availability today (and the interval open at midnight), oldest first.
    availability: list[Span]
    #: Answered calls, oldest first: at least the last two hours' and the last few dozen.
    calls: list[CallFact]
    #: Times of today's ring-no-answers (canceled rings excluded).
    misses: list[float]
    login_today_s: float
    occupancy_60m: float | None
    #: Seconds logged in (not offline) during the last 60 minutes.
    logged_in_60m_s: float
    on_call: bool
    #: Each queue's AHT today (for "hard calls").
    queue_aht: dict[str, float]
    #: The agent's own AHT over the previous days, and on how many calls.
    baseline_aht: float | None = None
    baseline_calls: int = 0
    #: The two parts of occupancy_60m: busy (talk + wrap-up) and available idle seconds.
    busy_60m_s: float = 0.0
    idle_60m_s: float = 0.0
    #: Logged in at `now` (time spent now counts towards the long day and the lack of break).
    logged_in: bool = True
    #: The earliest fact already known that lies after `now` (an event ahead of the clock).
    next_fact_at: float | None = None


@dataclass(frozen=True)
class Finding:
    severity: str
    since: float
    summary: str
    evidence: dict[str, Any]
    #: The stretch of the day that caused it (for the drill-down's timeline).
    stretch: tuple[float, float] | None = None
