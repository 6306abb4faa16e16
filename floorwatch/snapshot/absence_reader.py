"""Reads what the absence rule needs (snapshot/burnout/absence.py): each agent's scheduled days
and the first login of each, from the schedule and the availability intervals."""

from __future__ import annotations

import bisect
from collections import defaultdict
from datetime import date, datetime

from floorwatch.config import Config
from floorwatch.events import AgentState
from floorwatch.snapshot.burnout.absence import ScheduledDay, absence_finding
from floorwatch.snapshot.burnout.facts import Finding
from floorwatch.store.reading import ReadOnlyStore
from floorwatch.store.schema import AGENT_STATES

#: A login this long before the day's first planned start still counts for that day.
EARLY_S = 3 * 3600.0
#: How far back the agent's "usual" reaches, beyond the recent weeks.
EARLIER_DAYS = 56


def scheduled_days(store: ReadOnlyStore, since: float, now: float) -> dict[str, list[ScheduledDay]]:
    """Per agent, each scheduled day from `since` to `now` with its first login."""
    queries = store.queries
    with queries.read_transaction():
        plan = queries.schedules(since, now)
        intervals = queries.intervals_overlapping(AGENT_STATES, since - EARLY_S, now)
    days: dict[tuple[str, str], tuple[float, float]] = {}
    for row in plan:
        first, last = days.get((row.agent, row.day), (row.start, row.end))
        days[(row.agent, row.day)] = (min(first, row.start), max(last, row.end))
    logins: dict[str, list[float]] = defaultdict(list)
    for interval in intervals:
        if interval.state != AgentState.OFFLINE:
            logins[interval.agent].append(interval.start)
    for starts in logins.values():
        starts.sort()
    out: dict[str, list[ScheduledDay]] = defaultdict(list)
    for (agent, day), (start, end) in sorted(days.items()):
        if start > now:
            continue
        starts = logins.get(agent, [])
        index = bisect.bisect_left(starts, start - EARLY_S)
        first = starts[index] if index < len(starts) and starts[index] < end else None
        out[agent].append(ScheduledDay(day, start, first))
    return dict(out)


def absence_findings(store: ReadOnlyStore, config: Config, now: float) -> dict[str, Finding]:
    """Every agent the absence rule finds something for at `now`."""
    schedule = config.schedule
    since = now - (schedule.absence_recent_days + EARLIER_DAYS + 1) * 86400
    today: date = datetime.fromtimestamp(now, config.tzinfo()).date()
    findings = {}
    for agent, days in scheduled_days(store, since, now).items():
        finding = absence_finding(days, today, now, schedule)
        if finding is not None:
            findings[agent] = finding
    return findings


def low_score_findings(store: ReadOnlyStore, config: Config, now: float) -> dict[str, Finding]:
    """Agents whose latest survey scores today are a run of low ones (snapshot/csat.py
    `low_score_run`): the burnout rule `low_scores`, with the scores listed."""
    from floorwatch.clock import local_day_start
    from floorwatch.snapshot.burnout.facts import WATCH
    from floorwatch.snapshot.csat import low_score_run

    scale = config.satisfaction
    by_agent: dict[str, list] = defaultdict(list)
    for rating in store.queries.ratings(local_day_start(now, config.tzinfo()), now):
        if rating.agent:
            by_agent[rating.agent].append(rating)
    findings = {}
    for agent, ratings in by_agent.items():
        run = low_score_run(ratings, scale)
        if run:
            findings[agent] = Finding(
                WATCH,
                run[0].ts,
                f"{len(run)} low survey scores in a row "
                f"({', '.join(f'{r.score:g}' for r in run)} of {scale.scale_max:g})",
                {
                    "scores": [
                        {"call_id": r.call_id, "score": r.score, "at": r.ts, "comment": r.comment}
                        for r in run
                    ]
                },
                (run[0].ts, run[-1].ts),
            )
    return findings
