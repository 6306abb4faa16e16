"""One agent's book: what the model keeps per agent, and what it reads off it at an instant
(the state they show, occupancy, time logged in, whether they belong on today's floor)."""

from __future__ import annotations

import bisect
import math
from collections import OrderedDict
from dataclasses import dataclass, field

from floorwatch.events import AgentState, shown_state
from floorwatch.snapshot.burnout import Flag
from floorwatch.store.rows import AgentRow, CallRow, IntervalRow, MembershipRow

OFFLINE, AVAILABLE, RINGING = (
    AgentState.OFFLINE.value,
    AgentState.AVAILABLE.value,
    AgentState.RINGING.value,
)
ON_CALL, WRAPUP, PAUSED = AgentState.ON_CALL.value, AgentState.WRAPUP.value, AgentState.PAUSED.value


def pause_key(state: str, reason: str | None) -> str:
    """What a pause or wrap-up is counted under: its reason, or what it is."""
    return reason or ("Wrap-up" if state == WRAPUP else "Paused")


@dataclass(frozen=True, slots=True)
class ShownState:
    """The state an agent shows at an instant, since when, and why (events.shown_state)."""

    state: str
    since: float | None
    reason: str | None
    queue: str | None
    call: CallRow | None


@dataclass(frozen=True, slots=True)
class BusyIdle:
    """Seconds of a window spent busy (talk plus wrap-up) and available idle (not on a call)."""

    busy: float
    idle: float


@dataclass(slots=True, eq=False)
class AgentBook:
    """What the model keeps per agent."""

    name: str
    #: The model's change count when this book last changed (AgentBooks.touched_since).
    version: int = 0
    availability: list[IntervalRow] = field(default_factory=list)  # sorted by start; contiguous
    starts: list[float] = field(default_factory=list)  # the starts of `availability`, for bisect
    talking: dict[int, CallRow] = field(default_factory=dict)
    calls: dict[int, CallRow] = field(default_factory=dict)  # answered in the last hour or so
    last_call_end: float | None = None
    calls_today: int = 0
    handled_today: int = 0
    talk_today: float = 0.0
    wrapup_today: float = 0.0
    misses_today: int = 0
    closed_pause: dict[str, float] = field(default_factory=dict)  # reason -> s today, finished
    closed_login: float = 0.0
    row: AgentRow | None = None
    memberships: dict[str, MembershipRow] = field(default_factory=dict)  # active, by queue
    pauses: dict[str, IntervalRow] = field(default_factory=dict)  # open, by queue
    queues: list[str] = field(default_factory=list)  # sorted names of `memberships`
    misses: list[float] = field(default_factory=list)  # times of recent ring-no-answers
    recent: OrderedDict[int, CallRow] = field(default_factory=OrderedDict)  # last answered
    flags: dict[int, Flag] = field(default_factory=dict)  # open burnout flags, by store id

    def availability_at(self, now: float) -> IntervalRow | None:
        intervals = self.availability
        if not intervals:
            return None
        last = intervals[-1]
        if last.start <= now:
            return last if last.end is None or last.end > now else None
        index = bisect.bisect_right(self.starts, now) - 1
        return intervals[index] if index >= 0 else None

    def validity(self, now: float) -> tuple[float, float]:
        """The stretch (from, until) around `now` over which availability_at gives the same
        answer."""
        intervals = self.availability
        if not intervals:
            return -math.inf, math.inf
        last = intervals[-1]
        if last.start <= now:
            if last.end is None:
                return last.start, math.inf
            if last.end > now:
                return last.start, last.end
            return last.end, math.inf
        index = bisect.bisect_right(self.starts, now) - 1
        if index < 0:
            return -math.inf, self.starts[0]
        return intervals[index].start, self.starts[index + 1]

    def shown(self, now: float) -> ShownState:
        """The agent at `now` as every view shows them: events.shown_state's rule applied to
        the availability at `now`, the calls they are on and the ring of their row."""
        interval = self.availability_at(now)
        row = self.row
        state, call = shown_state(
            interval.state if interval is not None else None,
            self.talking.values(),
            bool(row is not None and row.ringing),
        )
        if state == OFFLINE:
            return ShownState(OFFLINE, interval.start if interval else None, None, None, None)
        if call is not None:
            return ShownState(ON_CALL, call.answered_at, None, call.queue, call)
        if state == RINGING:
            return ShownState(RINGING, row.last_event_at, None, row.ringing, None)
        since = interval.start
        if self.last_call_end is not None and self.last_call_end > since:
            since = self.last_call_end
        return ShownState(interval.state, since, interval.reason, interval.queue, None)

    def busy_idle(self, now: float, window: float = 3600) -> BusyIdle:
        """Busy and idle seconds over [now - window, now]: talk plus wrap-up, and available
        time not on a call."""
        start = now - window
        talk = wrapup = available = talk_in_available = 0.0
        spans: list[tuple[float, float]] = []
        for call in self.calls.values():
            if call.answered_at is None:
                continue
            end = call.ended_at if call.ended_at is not None else now
            low, high = max(call.answered_at, start), min(end, now)
            if high > low:
                talk += high - low
                spans.append((low, high))
        index = max(0, bisect.bisect_right(self.starts, start) - 1)
        for interval in self.availability[index:]:
            end = interval.end if interval.end is not None else now
            low, high = max(interval.start, start), min(end, now)
            if high <= low:
                continue
            if interval.state == AVAILABLE:
                available += high - low
                for span_low, span_high in spans:
                    overlap = min(high, span_high) - max(low, span_low)
                    if overlap > 0:
                        talk_in_available += overlap
            elif interval.state == WRAPUP:
                wrapup += high - low
        return BusyIdle(talk + wrapup, max(0.0, available - talk_in_available))

    def login_today(self, interval: IntervalRow | None, now: float, day_start: float) -> float:
        """Seconds logged in today: finished intervals plus the open one (`interval`) so far."""
        login_today = self.closed_login
        if interval is not None and interval.end is None and interval.state != OFFLINE:
            login_today += max(0.0, now - max(interval.start, day_start))
        return login_today

    def on_floor(self, now: float) -> tuple[bool, IntervalRow | None]:
        """Whether the agent belongs on today's floor at `now` (logged in now, or at some time
        today; not someone gone since yesterday), with their availability at `now`."""
        if not self.availability:
            return False, None
        interval = self.availability_at(now)
        gone = interval is None or interval.state == OFFLINE
        if gone and not self.closed_login and not self.calls_today:
            return False, interval
        return True, interval
