"""A schedule as a CSV file: `agent,date,start,end,activity`, one planned activity a line.

    agent,date,start,end,activity
    Ana,2026-11-24,08:00,12:00,phones
    Ana,2026-11-24,12:00,12:30,lunch
    Ben,2026-11-24,22:00,06:00,phones      (ends the next morning)

Pure: text in, rows or one message per bad line out, and nothing is kept unless every line is
good (`floorwatch schedule import` writes all of it or none). Times are local, in the floor's
zone; an end at or before its start is the next day's.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

COLUMNS = ("agent", "date", "start", "end", "activity")
#: A shift longer than this is a typing mistake, not a shift.
MAX_ACTIVITY_H = 16


@dataclass(frozen=True)
class PlannedActivity:
    agent: str
    day: str  # the ISO date the activity is planned on (its start's)
    start: float
    end: float
    activity: str


@dataclass
class ScheduleFile:
    rows: list[PlannedActivity]
    errors: list[str]


def _time(text: str) -> time:
    for form in ("%H:%M", "%H:%M:%S"):
        try:
            return datetime.strptime(text.strip(), form).time()
        except ValueError:
            continue
    raise ValueError


def _instant(day: date, clock: time, zone: tzinfo | None) -> float:
    moment = datetime.combine(day, clock)
    return (moment.replace(tzinfo=zone) if zone else moment.astimezone()).timestamp()


def parse_schedule(text: str, known_agents: Collection[str], zone: tzinfo | None) -> ScheduleFile:
    """The file's activities, or why each bad line is bad (then no rows: all or nothing).
    `known_agents`: the names an agent may be given by (empty: any name)."""
    reader = csv.reader(io.StringIO(text))
    rows: list[PlannedActivity] = []
    errors: list[str] = []
    by_agent: dict[str, list[tuple[int, PlannedActivity]]] = {}
    for number, fields in enumerate(reader, start=1):
        if not fields or all(not f.strip() for f in fields):
            continue
        if number == 1 and [f.strip().lower() for f in fields] == list(COLUMNS):
            continue
        where = f"line {number}"
        if len(fields) != len(COLUMNS):
            errors.append(f"{where}: {len(fields)} fields, expected 5 ({','.join(COLUMNS)})")
            continue
        agent, day_text, start_text, end_text, activity = (f.strip() for f in fields)
        if not agent:
            errors.append(f"{where}: no agent")
            continue
        if known_agents and agent not in known_agents:
            errors.append(f"{where}: unknown agent {agent[:40]!r} (not in the store or config)")
            continue
        try:
            day = date.fromisoformat(day_text)
        except ValueError:
            errors.append(f"{where}: date {day_text[:40]!r} is not a date such as 2026-11-24")
            continue
        try:
            start_clock, end_clock = _time(start_text), _time(end_text)
        except ValueError:
            errors.append(
                f"{where}: start/end {start_text[:20]!r}-{end_text[:20]!r} are not times such as 08:30"
            )
            continue
        if not activity:
            errors.append(f"{where}: no activity (phones, lunch, training...)")
            continue
        start = _instant(day, start_clock, zone)
        end_day = day + timedelta(days=1) if end_clock <= start_clock else day
        end = _instant(end_day, end_clock, zone)
        if end - start > MAX_ACTIVITY_H * 3600:
            errors.append(
                f"{where}: {(end - start) / 3600:.1f} h is longer than {MAX_ACTIVITY_H} h"
            )
            continue
        row = PlannedActivity(agent, day.isoformat(), start, end, activity.lower())
        mine = by_agent.setdefault(agent, [])
        clash = next(
            ((n, other) for n, other in mine if other.start < end and start < other.end), None
        )
        if clash is not None:
            errors.append(f"{where}: overlaps line {clash[0]} ({agent} {clash[1].activity})")
            continue
        mine.append((number, row))
        rows.append(row)
    if not rows and not errors:
        errors.append("no activities in the file")
    return ScheduleFile([] if errors else rows, errors)
