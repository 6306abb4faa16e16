"""What the burnout rules need of one agent at an instant, read straight off the agent's book
(no snapshot: the monitor evaluates a few agents per round, not the floor)."""

from __future__ import annotations

import bisect

from floorwatch.snapshot.burnout import AgentFacts, CallFact, Span
from floorwatch.snapshot.metrics import occupancy
from floorwatch.snapshot.model.agent_book import OFFLINE, AgentBook


def agent_facts(
    book: AgentBook, now: float, day_start: float, queue_aht: dict[str, float]
) -> AgentFacts | None:
    """The agent's facts at `now`; None when they are not on today's floor."""
    listed, interval = book.on_floor(now)
    if not listed:
        return None
    start = now - 3600
    logged_in_60m = 0.0
    index = max(0, bisect.bisect_right(book.starts, start) - 1)
    for span in book.availability[index:]:
        end = span.end if span.end is not None else now
        if span.state != OFFLINE:
            logged_in_60m += max(0.0, min(end, now) - max(span.start, start))
    first = max(0, bisect.bisect_right(book.starts, day_start) - 1)
    spans = [
        Span(i.start, i.end, i.state, i.reason) for i in book.availability[first:] if i.start <= now
    ]
    calls = [
        CallFact(c.call_id, c.queue, c.answered_at, c.ended_at, c.talk_s, c.wrapup_s)
        for c in sorted(book.recent.values(), key=lambda c: c.answered_at or 0)
        if c.answered_at is not None and c.answered_at <= now
    ]
    # The earliest fact already known that lies after `now` (an event ahead of the clock).
    later = [i.start for i in book.availability[-2:] if i.start > now]
    later += [
        c.answered_at
        for c in book.recent.values()
        if c.answered_at is not None and c.answered_at > now
    ]
    later += [ts for ts in book.misses[-3:] if ts > now]
    parts = book.busy_idle(now)
    logged_in = interval is not None and interval.state != OFFLINE
    return AgentFacts(
        agent=book.name,
        now=now,
        day_start=day_start,
        availability=spans,
        calls=calls,
        misses=[ts for ts in book.misses if ts <= now],
        login_today_s=book.login_today(interval, now, day_start),
        occupancy_60m=occupancy(parts.busy, 0.0, parts.idle),
        logged_in_60m_s=logged_in_60m,
        on_call=logged_in and bool(book.talking),
        queue_aht=queue_aht,
        busy_60m_s=parts.busy,
        idle_60m_s=parts.idle,
        logged_in=logged_in,
        next_fact_at=min(later) if later else None,
    )
