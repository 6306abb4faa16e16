"""An agent's day as one line of states: availability with the calls laid over it.

Plain Python over the rows of `reader.AgentDay`; the drill-down draws it, burnout rules point
into it.
"""

from __future__ import annotations

from dataclasses import dataclass

from floorwatch.derive import OFFLINE, ON_CALL
from floorwatch.floor import CallRow, IntervalRow


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


def agent_stretches(availability: list[IntervalRow], calls: list[CallRow], start: float,
                    end: float) -> list[Stretch]:  # fmt: skip
    """The agent's states over [start, end]: on a call wherever a call was talking, else the
    availability underneath (offline where nothing is known)."""
    points = {start, end}
    for interval in availability:
        for value in (interval.start, interval.end if interval.end is not None else end):
            if start < value < end:
                points.add(value)
    spans = []
    for call in calls:
        if call.answered_at is None:
            continue
        call_end = call.ended_at if call.ended_at is not None else end
        low, high = max(call.answered_at, start), min(call_end, end)
        if high > low:
            spans.append((low, high, call.queue))
            points.update((low, high))
    bounds = sorted(points)
    ordered = sorted(availability, key=lambda i: i.start)
    stretches: list[Stretch] = []
    index = 0
    for low, high in zip(bounds, bounds[1:]):
        if high <= low:
            continue
        middle = (low + high) / 2
        on_call = next((queue for a, b, queue in spans if a <= middle < b), None)
        if on_call is not None:
            state, reason, queue = ON_CALL, None, on_call
        else:
            while index + 1 < len(ordered) and ordered[index + 1].start <= middle:
                index += 1
            interval = ordered[index] if ordered and ordered[index].start <= middle else None
            if interval is not None and (interval.end is None or interval.end > middle):
                state, reason, queue = interval.state, interval.reason, interval.queue
            else:
                state, reason, queue = OFFLINE, None, None
        last = stretches[-1] if stretches else None
        if last is not None and (last.state, last.reason, last.queue) == (state, reason, queue):
            stretches[-1] = Stretch(last.start, high, state, reason, queue)
        else:
            stretches.append(Stretch(low, high, state, reason, queue))
    return stretches


def dominant_states(stretches: list[Stretch], start: float, end: float,
                    cells: int) -> list[str]:  # fmt: skip
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
