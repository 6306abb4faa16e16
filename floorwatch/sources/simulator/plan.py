"""The simulated floor's schedule: what each agent was planned to do (their shift, its breaks),
written as the CSV `floorwatch schedule import` reads, and the one agent who has lately been
missing days and coming in late (what the burnout rule "more absences than usual" is for)."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

#: The roster index of the agent whose last week has absences (the first steady agent).
ABSENT_INDEX = 5
#: Days before the simulated day (1 = yesterday) they did not come in, or came in late (min).
ABSENT_DAYS = {5: None, 2: None, 4: 40}
#: How late they are on the simulated day itself (minutes).
LATE_TODAY_MIN = 25


def absence_on(index: int, agents: int, day: date, today: date) -> float | None:
    """Minutes late this agent logs in on `day` (inf: not at all), None: on time."""
    if index != ABSENT_INDEX or agents < 8:
        return None
    back = (today - day).days
    if back == 0:
        return LATE_TODAY_MIN
    if back in ABSENT_DAYS:
        late = ABSENT_DAYS[back]
        return float("inf") if late is None else late
    return None


def planned_activities(
    name: str, start: float, end: float, breaks: Sequence[tuple[float, float, str]]
) -> list[tuple[str, float, float, str]]:
    """The shift from `start` to `end` as phones between its breaks: (agent, start, end,
    activity)."""
    rows, at = [], start
    for begin, length, reason in sorted(breaks):
        if begin > at:
            rows.append((name, at, begin, "phones"))
        rows.append((name, begin, begin + length, reason.lower()))
        at = begin + length
    if end > at:
        rows.append((name, at, end, "phones"))
    return rows


def write_schedule(path: str | Path, rows: list[tuple[str, float, float, str]], zone: str) -> int:
    """The planned activities as agent,date,start,end,activity lines (local times, minutes)."""
    tz = ZoneInfo(zone)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["agent", "date", "start", "end", "activity"])
        for name, start, end, activity in rows:
            begin, finish = datetime.fromtimestamp(start, tz), datetime.fromtimestamp(end, tz)
            out.writerow(
                [name, begin.date().isoformat(), f"{begin:%H:%M}", f"{finish:%H:%M}", activity]
            )
    return len(rows)
