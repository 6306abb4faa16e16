"""An agent's day as one line of states: availability with the calls laid over it.

Plain Python over the rows of `reader.AgentDay`; the drill-down draws it, burnout rules point
into it, and the interval report sums it per interval. One sweep over the sorted boundaries, so
a day of a thousand calls costs a thousand steps.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

from floorwatch.events import AgentState
from floorwatch.store.rows import CallRow, IntervalRow

OFFLINE, ON_CALL = AgentState.OFFLINE.value, AgentState.ON_CALL.value


@dataclass(frozen=True)
class Stretch:
    """A stretch of time in one state."""

    start: float
    end: float
    state: str
    reason: str | None = None
    queue: str | None = None

    @property
    def seconds(self) -> float:
        return self.end - self.start


def agent_stretches(
    availability: list[IntervalRow], calls: list[CallRow], start: float, end: float
) -> list[Stretch]:
    """The agent's states over [start, end]: on a call wherever a call was talking, else the
    availability underneath (offline where nothing is known)."""
    if end <= start:
        return []
    # Call spans, clipped; a change of the number of calls in progress is a boundary.
    changes: dict[float, int] = {}
    queue_at: list[tuple[float, str]] = []
    for call in calls:
        if call.answered_at is None:
            continue
        call_end = call.ended_at if call.ended_at is not None else end
        low, high = max(call.answered_at, start), min(call_end, end)
        if high > low:
            changes[low] = changes.get(low, 0) + 1
            changes[high] = changes.get(high, 0) - 1
            queue_at.append((low, call.queue))
    queue_at.sort()
    ordered = sorted(availability, key=lambda i: i.start)
    starts = [interval.start for interval in ordered]
    points = set(changes) | {start, end}
    for interval in ordered:
        for value in (interval.start, interval.end if interval.end is not None else end):
            if start < value < end:
                points.add(value)
    bounds = sorted(points)
    stretches: list[Stretch] = []
    talking = 0
    for low, high in zip(bounds, bounds[1:], strict=False):
        talking += changes.get(low, 0)
        if high <= low:
            continue
        if talking > 0:
            index = bisect.bisect_right(queue_at, (low, "\uffff")) - 1
            state, reason, queue = ON_CALL, None, queue_at[index][1] if index >= 0 else None
        else:
            index = bisect.bisect_right(starts, low) - 1
            interval = ordered[index] if index >= 0 else None
            if interval is not None and (interval.end is None or interval.end > low):
                state, reason, queue = interval.state, interval.reason, interval.queue
            else:
                state, reason, queue = OFFLINE, None, None
        last = stretches[-1] if stretches else None
        if last is not None and (last.state, last.reason, last.queue) == (state, reason, queue):
            stretches[-1] = Stretch(last.start, high, state, reason, queue)
        else:
            stretches.append(Stretch(low, high, state, reason, queue))
    return stretches


def dominant_states(stretches: list[Stretch], start: float, end: float, cells: int) -> list[str]:
    """The state that fills most of each of `cells` equal slices of [start, end] (for a bar)."""
    if cells <= 0 or end <= start:
        return []
    width = (end - start) / cells
    result = []
    index = 0
    for cell in range(cells):
        low, high = start + cell * width, start + (cell + 1) * width
        totals: dict[str, float] = {}
        while index < len(stretches) and stretches[index].end <= low:
            index += 1
        position = index
        while position < len(stretches) and stretches[position].start < high:
            stretch = stretches[position]
            overlap = min(high, stretch.end) - max(low, stretch.start)
            if overlap > 0:
                totals[stretch.state] = totals.get(stretch.state, 0.0) + overlap
            position += 1
        result.append(max(totals, key=totals.get) if totals else OFFLINE)
    return result
