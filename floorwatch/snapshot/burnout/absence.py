"""The burnout rule "more absences than usual", from the imported schedule.

"Calling in sick more often" is one of the warning signs managers are told to watch. Over the
last `absence_recent_days` (four weeks), each scheduled day the agent did not log in at all, or
logged in more than `absence_late_min` after the day's first planned start, is an absence. The
rule fires when there are at least `absence_min` of them and their share of the scheduled days
is more than `absence_factor` times the agent's own share on the scheduled days before (at least
`absence_min_earlier_days` of them: without a history of their own there is no "usual"). Every
absence is listed as evidence.

Pure: the scheduled days and first logins in, a Finding out; `snapshot/absence_reader.py`
reads them, the ingest's burnout monitor raises and clears the flag like any rule's.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from floorwatch.manager_config import ScheduleConfig
from floorwatch.snapshot.burnout.facts import WARNING, WATCH, Finding

RULE = "more_absences"
TITLE = "More absences than usual"


@dataclass(frozen=True)
class ScheduledDay:
    day: str  # ISO date
    start: float  # the day's first planned start
    first_login: float | None  # the first login from a few hours before it, None: none


def absence(day: ScheduledDay, config: ScheduleConfig) -> str | None:
    """ "no login", "late 47 min", or None for a day worked on time."""
    if day.first_login is None:
        return "no login"
    late = (day.first_login - day.start) / 60
    return f"late {late:.0f} min" if late > config.absence_late_min else None


def absence_finding(
    days: Iterable[ScheduledDay], today: date, now: float, config: ScheduleConfig
) -> Finding | None:
    """The finding for one agent's scheduled days (today's counts once it is past the
    `absent_after_min` of its start)."""
    cutoff = (today - timedelta(days=config.absence_recent_days)).isoformat()
    recent, earlier = [], []
    for day in days:
        if day.day > today.isoformat():
            continue
        if day.day == today.isoformat() and now < day.start + config.absent_after_min * 60:
            continue  # today is not over for this agent yet
        (recent if day.day >= cutoff else earlier).append(day)
    missed = [(d, what) for d in recent if (what := absence(d, config)) is not None]
    if len(missed) < config.absence_min or len(earlier) < config.absence_min_earlier_days:
        return None
    before = sum(1 for d in earlier if absence(d, config) is not None)
    recent_share, earlier_share = len(missed) / len(recent), before / len(earlier)
    if recent_share <= config.absence_factor * earlier_share:
        return None
    severity = WARNING if len(missed) >= 2 * config.absence_min else WATCH
    weeks = config.absence_recent_days / 7
    return Finding(
        severity,
        missed[0][0].start,
        f"{len(missed)} absences in {len(recent)} scheduled days of the last {weeks:g} weeks "
        f"({recent_share:.0%}) against {earlier_share:.0%} of {len(earlier)} days before",
        {
            "absences": [{"day": d.day, "what": what} for d, what in missed],
            "recent_days": len(recent),
            "earlier_days": len(earlier),
            "earlier_absences": before,
        },
    )
