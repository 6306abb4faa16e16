"""The manager's settings in floorwatch.toml: `[fcr]`, `[satisfaction]` and `[schedule]`.

Plain dataclasses (config.py builds them from TOML and checks their types); kept apart from
config.py so that file stays the floor's own settings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

#: Caller ids that say the number was withheld (compared case-insensitively).
WITHHELD = ("", "anonymous", "unknown", "withheld", "restricted", "private", "unavailable")


@dataclass
class FcrConfig:
    """`[fcr]`: first-call resolution, a proxy read from the feed (docs/metrics.md)."""

    #: A call is not resolved first time if the same caller calls the same group again within
    #: this many hours of its end.
    window_h: float = 24.0
    #: Queue groups: `{ support = ["support", "support-en"] }`; a queue in none is its own.
    groups: dict[str, list[str]] = field(default_factory=dict)
    #: Caller numbers are compared by their digits only, and by the last this many digits when
    #: it is not 0 (so +44 20 7946 0000 and 020 7946 0000 are one caller with 10).
    caller_digits: int = 0
    #: A number with fewer digits than this is not a caller id (an extension, a short code).
    min_digits: int = 3
    #: Caller ids that mean the number was withheld; such calls are left out of FCR.
    withheld: list[str] = field(default_factory=lambda: list(WITHHELD))

    def group_of(self, queue: str) -> str:
        """The queue group a queue belongs to (its own name when in no group)."""
        for name, queues in self.groups.items():
            if queue in queues:
                return name
        return queue

    def caller_key(self, caller: str | None) -> str | None:
        """The caller as FCR compares callers, or None for a withheld or unusable number."""
        if caller is None:
            return None
        text = caller.strip()
        if text.casefold() in {word.casefold() for word in self.withheld}:
            return None
        digits = re.sub(r"\D", "", text)
        if len(digits) < self.min_digits:
            return None
        return digits[-self.caller_digits :] if self.caller_digits else digits


@dataclass
class SatisfactionConfig:
    """`[satisfaction]`: post-call survey scores (the `call_rated` event)."""

    #: The scale scores are on when the event does not say (`scale_max`), and the scale the
    #: mean score is shown on.
    scale_min: float = 1.0
    scale_max: float = 5.0
    #: A score is a top score (counts for CSAT) when score / scale_max is at least this: 4 and
    #: 5 of 1-5, 8 to 10 of 0-10.
    top_share: float = 0.8
    #: The queue_log event name a post-call survey writes with QueueLog() (its fields:
    #: score, then an optional comment; the simulator writes SURVEY); empty: none (such lines
    #: stay `other`).
    queue_log_event: str = "SURVEY"
    #: Burnout evidence: this many low scores in a row for one agent...
    low_run: int = 3
    #: ...a low score being one at or under this share of the scale (2 of 1-5).
    low_share: float = 0.4


@dataclass
class ScheduleConfig:
    """`[schedule]`: adherence to the imported schedule and the absence rule."""

    #: Logged in this many minutes after a shift's start is late (before that: on time).
    late_after_min: float = 5.0
    #: Not logged in this many minutes after a shift's start is absent (till then: late).
    absent_after_min: float = 60.0
    #: Activities that mean "on the phones" (anything else: meeting, training, break...).
    phone_activities: list[str] = field(default_factory=lambda: ["phones", "phone", "calls"])
    #: The burnout rule "more absences than usual" (docs/burnout.md): a scheduled day with no
    #: login, or a login later than this many minutes, is an absence...
    absence_late_min: float = 15.0
    #: ...counted over the last this many days...
    absence_recent_days: int = 28
    #: ...at least this many of them...
    absence_min: int = 2
    #: ...and a share of the scheduled days more than this many times the agent's own before...
    absence_factor: float = 2.0
    #: ...over at least this many scheduled days before (else there is no "usual").
    absence_min_earlier_days: int = 5
