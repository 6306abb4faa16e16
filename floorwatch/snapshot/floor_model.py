"""The floor model: today's calls, agents and intervals in memory, kept up to date by changes.

Plain Python (and numpy, which pandas brings): a reader hands it rows from the store, first
everything that matters for today, then only what changed; `snapshot(now)` computes the floor at
an instant. The cost of a snapshot grows with the number of queues and agents, never with
history: each call's contribution is added once to today's running totals and to a ring of
per-minute buckets that serve the rolling windows; a rolling window is its full minutes summed
in one numpy call plus the calls of its first, partial minute.

`clip_*` turn rows as they are now into rows as they were at an earlier instant, so the same
model answers `floorwatch snapshot --at TIME`.
"""

from __future__ import annotations

import bisect
import heapq
import math
from collections import OrderedDict, defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from datetime import time as dtime
from zoneinfo import ZoneInfo

import numpy as np

from floorwatch.clock import local_day_end, local_day_start
from floorwatch.events import shown_state
from floorwatch.store.rows import AgentRow, CallRow, IntervalRow, MembershipRow, MissRow, SourceStatus
from floorwatch.snapshot.burnout import RANK, AgentFacts, CallFact, Flag, Span, overall_level
from floorwatch.config import Config, ServiceLevel
from floorwatch.store.derive import AVAILABLE, OFFLINE, ON_CALL, PAUSED, RINGING, WRAPUP
from floorwatch.snapshot.erlang import Staffing, staffing_for
from floorwatch.snapshot import metrics
from floorwatch.snapshot.metrics import VECTOR_SIZE, WindowStats, contribution, occupancy
from floorwatch.snapshot.floor_snapshot import (
    TREND_POINTS,
    TREND_STEP_S,
    WINDOWS,
    AgentSnapshot,
    CurrentCall,
    FeedHealth,
    FloorSnapshot,
    FloorTotals,
    QueueSnapshot,
    WaitingCall,
)

#: Minutes of per-minute buckets kept (the longest rolling window plus slack).
RING_MINUTES = 64
#: Calls and intervals this long before the day started are kept, for windows across midnight.
LOOKBACK_S = 3 * 3600
#: Answered calls kept per agent whatever their age (burnout rules look at the last calls).
RECENT_CALLS = 48
ALL = "all"


@dataclass
class Changes:
    """Rows read from the store since the last look (or everything, on the first)."""

    calls: list[CallRow] = field(default_factory=list)
    availability: list[IntervalRow] = field(default_factory=list)
    pauses: list[IntervalRow] = field(default_factory=list)
    memberships: list[MembershipRow] = field(default_factory=list)
    misses: list[MissRow] = field(default_factory=list)
    agents: list[AgentRow] = field(default_factory=list)
    sources: list[SourceStatus] = field(default_factory=list)
    #: Today's calls summed by the store rather than read row by row (on the first load).
    settled: Settled | None = None
    #: Burnout flags raised, changed or cleared.
    flags: list[Flag] = field(default_factory=list)


# ----------------------------------------------------------------- clipping to an instant
def clip_call(call: CallRow, at: float) -> CallRow | None:
    """The call as it stood at `at`, or None if it had not entered the queue yet."""
    if call.enqueued_at > at:
        return None
    if call.wait_end_at is not None and call.wait_end_at > at:
        return replace(call, status="waiting", outcome=None, wait_end_at=None, wait_s=None,
                       answered_at=None, agent=None, ended_at=None, talk_s=None, ended_by=None,
                       transfer_target=None, wrapup_s=None)  # fmt: skip
    if call.ended_at is not None and call.ended_at > at:
        status = "talking" if call.outcome == "answered" else call.status
        return replace(call, status=status, ended_at=None, talk_s=None, ended_by=None,
                       transfer_target=None, wrapup_s=None)  # fmt: skip
    if call.wrapup_s is not None and call.ended_at is not None and call.ended_at + call.wrapup_s > at:
        return replace(call, wrapup_s=None)
    return call


def clip_interval(interval: IntervalRow, at: float) -> IntervalRow | None:
    if interval.start > at:
        return None
    if interval.end is not None and interval.end > at:
        return replace(interval, end=None)
    return interval


def clip_membership(membership: MembershipRow, at: float) -> MembershipRow | None:
    if membership.joined_at > at:
        return None
    if membership.left_at is not None and membership.left_at > at:
        return replace(membership, left_at=None)
    return membership


# ----------------------------------------------------------------- the model
def is_settled(call: CallRow, day_start: float, before: float) -> bool:
    """Done, its wait over on this day and before `before`, and ended before `before` too:
    nothing more can happen to it (the store sums such calls in SQL with the same test)."""
    return (
        call.status == "done"
        and call.wait_end_at is not None
        and day_start <= call.wait_end_at < before
        and (call.ended_at is None or call.ended_at < before)
    )


@dataclass
class Settled:
    """Today's calls that can no longer change, summed by the store (SQL) instead of row by row.

    A call is settled when it is done and its wait ended before `before` (a couple of hours
    ago): reading the day's totals this way keeps a viewer's start-up and memory independent of
    how busy the day has been.
    """

    before: float
    max_call_id: int
    queues: dict[str, tuple[list[float], float | None]] = field(default_factory=dict)
    agents: dict[str, tuple[int, int, float, float]] = field(default_factory=dict)
    misses: dict[str, int] = field(default_factory=dict)


class _AgentBook:
    """What the model keeps per agent."""

    __slots__ = ("name", "availability", "starts", "talking", "calls", "last_call_end",
                 "calls_today", "handled_today", "talk_today", "wrapup_today", "misses_today",
                 "closed_pause", "closed_login", "row", "memberships", "pauses", "queues",
                 "misses", "recent", "flags", "version")  # fmt: skip

    def __init__(self, name: str):
        self.name = name
        #: The model's change count when this book last changed (FloorModel.touched_since).
        self.version = 0
        self.availability: list[IntervalRow] = []  # sorted by start; contiguous
        self.starts: list[float] = []  # the starts of `availability`, for bisect
        self.talking: dict[int, CallRow] = {}
        self.calls: dict[int, CallRow] = {}  # answered by this agent in the last hour or so
        self.last_call_end: float | None = None
        self.calls_today = 0
        self.handled_today = 0
        self.talk_today = 0.0
        self.wrapup_today = 0.0
        self.misses_today = 0
        self.closed_pause: dict[str, float] = {}  # reason -> seconds today, finished pauses
        self.closed_login = 0.0
        self.row: AgentRow | None = None
        self.memberships: dict[str, MembershipRow] = {}  # active, by queue
        self.pauses: dict[str, IntervalRow] = {}  # open, by queue
        self.queues: list[str] = []  # sorted names of `memberships`
        self.misses: list[float] = []  # times of recent ring-no-answers
        self.recent: OrderedDict[int, CallRow] = OrderedDict()  # the last calls answered
        self.flags: dict[int, Flag] = {}  # open burnout flags, by store id

    def availability_at(self, now: float) -> IntervalRow | None:
        intervals = self.availability
        if not intervals:
            return None
        last = intervals[-1]
        if last.start <= now:
            return last if last.end is None or last.end > now else None
        index = bisect.bisect_right(self.starts, now) - 1
        return intervals[index] if index >= 0 else None


# Columns of the per-queue staffing sums.
_ON_CALL, _RINGING, _WRAPUP, _PAUSED, _AVAILABLE, _STAFFED = range(6)
_COLUMNS = 6


@dataclass(slots=True)
class _ShownAgent:
    """An agent's snapshot, the book version it was taken at, and the stretch of time over
    which it holds (the availability interval it was taken in)."""

    version: int
    valid_from: float
    valid_until: float
    agent: AgentSnapshot | None  # None: not on today's floor
    counts: tuple[tuple[str, int, str | None], ...]


def _validity(book: _AgentBook, now: float) -> tuple[float, float]:
    """The stretch around `now` over which book.availability_at gives the same answer."""
    intervals = book.availability
    if not intervals:
        return -math.inf, math.inf
    last = intervals[-1]
    if last.start <= now:
        if last.end is None:
            return last.start, math.inf
        if last.end > now:
            return last.start, last.end
        return last.end, math.inf
    index = bisect.bisect_right(book.starts, now) - 1
    if index < 0:
        return -math.inf, book.starts[0]
    return intervals[index].start, book.starts[index + 1]


class FloorModel:
    """Today's floor, in memory; `apply` changes, then ask for `snapshot(now)`."""

    #: Calls done with their wait over this long ago are settled: counted, then forgotten.
    KEEP_S = 2 * 3600
    #: Calls kept per agent for occupancy over the last hour.
    AGENT_KEEP_S = 65 * 60

    def __init__(self, config: Config, day_of: float):
        self.config = config
        self.tz = config.tzinfo()
        self.timezone = config.timezone or str(datetime.now().astimezone().tzinfo)
        self.day_start = local_day_start(day_of, self.tz)
        self.day_end = local_day_end(self.day_start, self.tz)
        self.horizon = self.day_start - LOOKBACK_S
        self._levels: dict[str, ServiceLevel] = {}
        self._queue_index: dict[str, int] = {}
        self._queues: list[str] = []
        self._today = np.zeros((0, VECTOR_SIZE))
        self._today_max: list[float | None] = []
        self._today_max_stale: set[int] = set()
        self._ring = np.zeros((0, RING_MINUTES, VECTOR_SIZE))
        self._ring_max = np.full((0, RING_MINUTES), -np.inf)
        self._ring_minute = np.full(RING_MINUTES, -1, dtype=np.int64)
        self._latest_minute = -1
        # minute -> queue index -> call id -> (wait ended, contribution, wait)
        # (and the same as arrays, for the first minute of a rolling window, built on demand)
        self._minute_arrays: dict[int, tuple[np.ndarray, ...]] = {}
        self._ring_calls: dict[int, dict[int, dict[int, tuple[float, list[float], float]]]] = {}
        # call id -> (queue index, wait ended, contribution, wait): what the call added
        self._applied: dict[int, tuple[int, float, list[float], float]] = {}
        self._pending: list[tuple[int, int, list[float], float]] = []  # (q, slot, delta, wait)
        self.calls: dict[int, CallRow] = {}
        self.waiting: dict[str, dict[int, CallRow]] = defaultdict(dict)
        self.agents: dict[str, _AgentBook] = {}
        #: Counts changes to agents' books; each book keeps the count of its last change.
        self.version = 0
        self._touched: dict[str, int] = {}  # agent -> version of its last change, oldest first
        self._agent_applied: dict[int, tuple[str, tuple[int, int, float, float]]] = {}
        self._interval_applied: dict[int, tuple[str, str, str | None, float]] = {}
        self._misses_seen = 0
        self.sources: dict[str, SourceStatus] = {}
        self._settled: Settled | None = None
        self._evicted = bytearray()  # bit per call id: counted in the totals, then forgotten
        self._evicted_before = -math.inf
        self._last_eviction = -math.inf
        self._trends: tuple[int, dict[str, tuple[list[int], list[float | None]]]] = (-1, {})
        #: Each agent's snapshot as of their last change, reused while it still holds.
        self._shown: dict[str, _ShownAgent] = {}
        self._names: list[str] | None = None  # sorted agent names (None: to sort again)
        self._listed: dict[str, AgentSnapshot] = {}  # the last snapshot's agents, by name
        self._shown_version = 0  # the model's version at the last snapshot
        self._shown_at = -math.inf  # and its instant
        #: (instant, agent): when an agent's cached snapshot stops holding by time alone.
        self._expiries: list[tuple[float, str]] = []
        #: Per (window, queue): the figures last computed and the sums they came from.
        self._stats: dict[tuple[str, int], tuple[bytes, float | None, WindowStats]] = {}
        #: Per queue: its waiting callers as the snapshot shows them (None: to sort again).
        self._waiting_sorted: dict[str, tuple[WaitingCall, ...]] = {}
        #: Per queue: the staffing model's last inputs and its answer.
        self._staffing_memo: dict[str, tuple[tuple, Staffing | None]] = {}
        #: Running sums of the shown agents' _ShownAgent.counts: per queue, per state.
        self._queue_counts: dict[str, list[int]] = {}
        self._queue_paused: dict[str, dict[str, int]] = {}
        self._state_counts: dict[str, int] = {}

    # ----------------------------------------------------------------- queues
    def _queue(self, name: str) -> int:
        index = self._queue_index.get(name)
        if index is None:
            index = self._queue_index[name] = len(self._queues)
            self._queues.append(name)
            self._today = np.vstack([self._today, np.zeros((1, VECTOR_SIZE))])
            self._today_max.append(None)
            self._ring = np.concatenate([self._ring, np.zeros((1, RING_MINUTES, VECTOR_SIZE))])
            self._ring_max = np.vstack([self._ring_max, np.full((1, RING_MINUTES), -np.inf)])
        return index

    def _level(self, queue: str) -> ServiceLevel:
        level = self._levels.get(queue)
        if level is None:
            level = self._levels[queue] = self.config.queue_service_level(queue)
        return level

    def queue_names(self) -> list[str]:
        return list(self._queues)

    # ----------------------------------------------------------------- applying changes
    def needs_reload(self, now: float) -> bool:
        """True once `now` is past the model's day: build a new model for the new day."""
        return now >= self.day_end

    def apply(self, changes: Changes) -> None:
        if changes.settled is not None:
            self._apply_settled(changes.settled)
        if changes.calls:
            latest = max((c.wait_end_at for c in changes.calls if c.wait_end_at is not None),
                         default=None)  # fmt: skip
            if latest is not None:
                self._advance_ring(int(latest // 60))
            for call in changes.calls:
                self._apply_call(call)
            self._flush()
        for interval in changes.availability:
            self._apply_availability(interval)
        for pause in changes.pauses:
            self._apply_pause(pause)
        for membership in changes.memberships:
            self._apply_membership(membership)
        for miss in changes.misses:
            if miss.id > self._misses_seen:
                self._misses_seen = miss.id
            if not miss.canceled and miss.ts >= self.day_start:
                book = self._agent(miss.agent)
                book.misses_today += 1
                book.misses.append(miss.ts)
        for row in changes.agents:
            self._agent(row.name).row = row
        for source in changes.sources:
            self.sources[source.name] = source
        for flag in changes.flags:
            book = self._agent(flag.agent)
            if flag.cleared_at is None:
                book.flags[flag.store_id] = flag
            else:
                book.flags.pop(flag.store_id, None)

    def _apply_settled(self, settled: Settled) -> None:
        self._settled = settled
        for queue, (vector, max_wait) in settled.queues.items():
            q = self._queue(queue)
            self._today[q] += vector
            if max_wait is not None:
                current = self._today_max[q]
                self._today_max[q] = max_wait if current is None else max(current, max_wait)
        for agent, (calls, handled, talk, wrapup) in settled.agents.items():
            book = self._agent(agent)
            book.calls_today += calls
            book.handled_today += handled
            book.talk_today += talk
            book.wrapup_today += wrapup
        for agent, count in settled.misses.items():
            self._agent(agent).misses_today += count

    def _agent(self, name: str) -> _AgentBook:
        """The agent's book, for changing it (so its version moves on)."""
        book = self.agents.get(name)
        if book is None:
            book = self.agents[name] = _AgentBook(name)
            self._names = None
        self._touch(book)
        return book

    def _touch(self, book: _AgentBook) -> None:
        self.version += 1
        book.version = self.version
        touched = self._touched
        touched.pop(book.name, None)
        touched[book.name] = self.version  # the newest change is always last

    def touched_since(self, version: int) -> list[str]:
        """Agents whose book changed after the model's `version`: what a consumer that last
        looked at `version` must look at again (the burnout monitor, a viewer's rows). Costs
        the number of such agents, not the size of the floor."""
        touched = self._touched
        names = []
        for name in reversed(touched):
            if touched[name] <= version:
                break
            names.append(name)
        return names

    def _already_counted(self, call: CallRow) -> bool:
        """A call summed into the totals without being kept (settled at load, or evicted)."""
        if call.status != "done" or call.wait_end_at is None:
            return False
        settled = self._settled
        if settled is not None and call.id <= settled.max_call_id and is_settled(
            call, self.day_start, settled.before
        ):
            return True
        index = call.id >> 3
        return index < len(self._evicted) and bool(self._evicted[index] & (1 << (call.id & 7)))

    def _apply_call(self, call: CallRow) -> None:
        old = self.calls.get(call.id)
        if old is None and self._already_counted(call):
            return
        self.calls[call.id] = call
        q = self._queue(call.queue)
        if old is not None:
            if self.waiting[old.queue].pop(old.id, None) is not None:
                self._waiting_sorted.pop(old.queue, None)
        if call.outcome is None and call.status != "done":
            self.waiting[call.queue][call.id] = call
            self._waiting_sorted.pop(call.queue, None)
        # Queue windows: what the call adds, by the minute its wait ended.
        vector = None
        if call.wait_end_at is not None and call.wait_end_at >= self.horizon:
            vector = contribution(call, self._level(call.queue))
        previous = self._applied.pop(call.id, None)
        wait = call.wait_s or 0.0
        if (previous is not None and vector is not None and previous[0] == q
                and previous[1] == call.wait_end_at and previous[3] == wait):  # fmt: skip
            # Same wait, more known (the talk time of a call that ended): add the difference.
            delta = [new - old_value for new, old_value in zip(vector, previous[2])]
            self._add(call.id, q, call.wait_end_at, delta, wait, vector)
            self._applied[call.id] = (q, call.wait_end_at, vector, wait)
        else:
            if previous is not None:
                self._remove(call.id, *previous)
            if vector is not None:
                self._add(call.id, q, call.wait_end_at, vector, wait, vector)
                self._applied[call.id] = (q, call.wait_end_at, vector, wait)
        self._apply_call_to_agent(call, old)

    def _apply_call_to_agent(self, call: CallRow, old: CallRow | None) -> None:
        if old is not None and old.agent:
            book = self.agents.get(old.agent)
            if book is not None:
                book.talking.pop(old.id, None)
                self._touch(book)
        applied = self._agent_applied.pop(call.id, None)
        if applied is not None:
            agent, (calls, handled, talk, wrapup) = applied
            book = self._agent(agent)
            book.calls_today -= calls
            book.handled_today -= handled
            book.talk_today -= talk
            book.wrapup_today -= wrapup
        if not call.agent or call.answered_at is None:
            return
        book = self._agent(call.agent)
        book.calls[call.id] = call
        book.recent[call.id] = call
        if len(book.recent) > RECENT_CALLS:
            book.recent.popitem(last=False)
        if call.ended_at is None:
            book.talking[call.id] = call
        elif book.last_call_end is None or call.ended_at > book.last_call_end:
            book.last_call_end = call.ended_at
        if call.answered_at >= self.day_start:
            handled = 1 if call.talk_s is not None else 0
            talk, wrapup = call.talk_s or 0.0, call.wrapup_s or 0.0
            book.calls_today += 1
            book.handled_today += handled
            book.talk_today += talk
            book.wrapup_today += wrapup
            self._agent_applied[call.id] = (call.agent, (1, handled, talk, wrapup))

    # The ring of per-minute buckets. Adds are gathered and applied with one numpy call.
    def _advance_ring(self, minute: int) -> None:
        """Make the ring hold the RING_MINUTES minutes up to `minute` (clearing older ones)."""
        if minute <= self._latest_minute:
            return
        self._latest_minute = minute
        self._flush()
        slots = np.arange(RING_MINUTES)
        expected = minute - ((minute - slots) % RING_MINUTES)
        stale = np.nonzero(self._ring_minute != expected)[0]
        if len(stale):
            for held in self._ring_minute[stale]:
                self._ring_calls.pop(int(held), None)
                self._minute_arrays.pop(int(held), None)
            self._ring[:, stale, :] = 0
            self._ring_max[:, stale] = -np.inf
            self._ring_minute[stale] = expected[stale]

    def _add(self, call_id: int, q: int, wait_end: float, delta: list[float], wait: float,
             vector: list[float]) -> None:  # fmt: skip
        if wait_end >= self.day_start:
            self._today[q] += delta
            current = self._today_max[q]
            if current is None or wait > current:
                self._today_max[q] = wait
        minute = int(wait_end // 60)
        if minute > self._latest_minute:
            self._advance_ring(minute)
        if minute <= self._latest_minute - RING_MINUTES:
            return
        slot = minute % RING_MINUTES
        self._pending.append((q, slot, delta, wait))
        self._ring_calls.setdefault(minute, {}).setdefault(q, {})[call_id] = (
            wait_end, vector, wait,
        )  # fmt: skip
        self._minute_arrays.pop(minute, None)

    def _remove(self, call_id: int, q: int, wait_end: float, vector: list[float],
                wait: float) -> None:  # fmt: skip
        if wait_end >= self.day_start:
            self._today[q] -= vector
            if self._today_max[q] is not None and wait >= self._today_max[q]:
                self._today_max_stale.add(q)
        minute = int(wait_end // 60)
        bucket = self._ring_calls.get(minute, {}).get(q)
        if bucket is not None and bucket.pop(call_id, None) is not None:
            self._minute_arrays.pop(minute, None)
            self._flush()
            slot = minute % RING_MINUTES
            self._ring[q, slot] -= vector
            self._ring_max[q, slot] = max((w for _, _, w in bucket.values()), default=-np.inf)

    def _flush(self) -> None:
        pending = self._pending
        if not pending:
            return
        self._pending = []
        queues = np.fromiter((p[0] for p in pending), dtype=np.int64, count=len(pending))
        slots = np.fromiter((p[1] for p in pending), dtype=np.int64, count=len(pending))
        deltas = np.array([p[2] for p in pending], dtype=float)
        waits = np.fromiter((p[3] for p in pending), dtype=float, count=len(pending))
        np.add.at(self._ring, (queues, slots), deltas)
        np.maximum.at(self._ring_max, (queues, slots), waits)

    # Agents' availability, pauses and queues.
    def _apply_availability(self, interval: IntervalRow) -> None:
        book = self._agent(interval.agent)
        intervals = book.availability
        previous = self._interval_applied.pop(interval.id, None)
        if previous is not None:
            self._unclose(book, previous[1], previous[2], previous[3])
        index = bisect.bisect_left(book.starts, interval.start)
        end = bisect.bisect_right(book.starts, interval.start, index)
        for position in range(max(0, index - 1), min(len(intervals), end + 1)):
            if intervals[position].id == interval.id:
                intervals[position] = interval
                break
        else:
            # Intervals starting at the same second follow the store's order (a zero-length
            # state comes before the one that replaced it), whatever order they arrive in.
            while index < end and intervals[index].id < interval.id:
                index += 1
            intervals.insert(index, interval)
            book.starts.insert(index, interval.start)
            # Availability is contiguous: an interval ends where the next one starts.
            if index > 0 and intervals[index - 1].end is None:
                intervals[index - 1] = replace(intervals[index - 1], end=interval.start)
                self._close_interval(book, intervals[index - 1])
        self._close_interval(book, interval)

    def _close_interval(self, book: _AgentBook, interval: IntervalRow) -> None:
        """Add a finished interval's part of today to the agent's closed totals."""
        if interval.end is None:
            return
        previous = self._interval_applied.pop(interval.id, None)
        if previous is not None:
            self._unclose(book, previous[1], previous[2], previous[3])
        seconds = max(0.0, interval.end - max(interval.start, self.day_start))
        if seconds <= 0:
            return
        if interval.state != OFFLINE:
            book.closed_login += seconds
        if interval.state in (PAUSED, WRAPUP):
            key = _pause_key(interval)
            book.closed_pause[key] = book.closed_pause.get(key, 0.0) + seconds
        self._interval_applied[interval.id] = (book.name, interval.state, interval.reason, seconds)

    def _unclose(self, book: _AgentBook, state: str, reason: str | None, seconds: float) -> None:
        if state != OFFLINE:
            book.closed_login -= seconds
        if state in (PAUSED, WRAPUP):
            key = reason or ("Wrap-up" if state == WRAPUP else "Paused")
            remaining = book.closed_pause.get(key, 0.0) - seconds
            if remaining <= 1e-9:
                book.closed_pause.pop(key, None)
            else:
                book.closed_pause[key] = remaining

    def _apply_pause(self, pause: IntervalRow) -> None:
        if pause.queue is None:
            return
        book = self._agent(pause.agent)
        if pause.end is None:
            book.pauses[pause.queue] = pause
        elif book.pauses.get(pause.queue) is not None and book.pauses[pause.queue].id == pause.id:
            del book.pauses[pause.queue]

    def _apply_membership(self, membership: MembershipRow) -> None:
        book = self._agent(membership.agent)
        current = book.memberships.get(membership.queue)
        if membership.left_at is None:
            book.memberships[membership.queue] = membership
            self._queue(membership.queue)
        elif current is not None and current.id == membership.id:
            del book.memberships[membership.queue]
        book.queues = sorted(book.memberships)

    # ----------------------------------------------------------------- forgetting
    def forget_settled(self, now: float) -> None:
        """Once a minute: forget calls that can no longer change (their numbers stay in the
        totals), so the model holds the last hours, not the day. Whoever asks the model about
        `now` (a snapshot, the burnout monitor) calls it."""
        if now - self._last_eviction > 60:
            self._last_eviction = now
            self._evict(now)

    def _evict(self, now: float) -> None:
        """Forget calls that can no longer change (their numbers stay in the totals)."""
        before = now - self.KEEP_S
        agent_before = now - self.AGENT_KEEP_S
        evicted = [call for call in self.calls.values() if is_settled(call, -math.inf, before)]
        if evicted:
            highest = max(call.id for call in evicted)
            if highest >> 3 >= len(self._evicted):
                self._evicted.extend(bytes((highest >> 3) + 1 - len(self._evicted) + 4096))
            for call in evicted:
                self._evicted[call.id >> 3] |= 1 << (call.id & 7)
                del self.calls[call.id]
                self._applied.pop(call.id, None)
                self._agent_applied.pop(call.id, None)
        for book in self.agents.values():
            if book.calls:
                for call_id in [
                    call_id for call_id, call in book.calls.items()
                    if call.ended_at is not None and call.ended_at < agent_before
                ]:  # fmt: skip
                    del book.calls[call_id]
            if book.misses and book.misses[0] < agent_before:
                book.misses = [ts for ts in book.misses if ts >= agent_before]

    # ----------------------------------------------------------------- windows
    def _window_vectors(self, now: float, seconds: int) -> tuple[np.ndarray, list[float | None]]:
        """Each queue's sums and max wait over calls whose wait ended in [now - seconds, now]:
        the full minutes in one numpy sum, plus the calls of the first (partial) minute."""
        self._flush()
        start = now - seconds
        first = int(start // 60)
        last = int(now // 60)
        minutes = self._ring_minute
        slots = np.nonzero((minutes > first) & (minutes <= last))[0]
        if len(slots):
            sums = self._ring[:, slots, :].sum(axis=1)
            tops = self._ring_max[:, slots].max(axis=1)
        else:
            sums = np.zeros((len(self._queues), VECTOR_SIZE))
            tops = np.full(len(self._queues), -np.inf)
        self._add_partial_minute(sums, tops, first, start, now)
        maxes = [None if math.isinf(top) else float(top) for top in tops]
        return sums, maxes

    def _rolling_windows(self, now: float) -> dict[str, tuple[np.ndarray, list[float | None]]]:
        """_window_vectors for every rolling window of WINDOWS at once: the minutes newest
        first, summed cumulatively once, each window read off at its first full minute."""
        self._flush()
        spans = {name: seconds for name, seconds in WINDOWS.items() if seconds is not None}
        minutes = self._ring_minute
        last = int(now // 60)
        oldest = int((now - max(spans.values())) // 60)
        slots = np.nonzero((minutes > oldest) & (minutes <= last))[0]
        slots = slots[np.argsort(-minutes[slots])]
        newest_first = minutes[slots]
        if len(slots):
            sums_upto = np.cumsum(self._ring[:, slots, :], axis=1)
            tops_upto = np.maximum.accumulate(self._ring_max[:, slots], axis=1)
        count = len(self._queues)
        result = {}
        for name, seconds in spans.items():
            start = now - seconds
            first = int(start // 60)
            full = int(np.count_nonzero(newest_first > first))
            if full:
                sums = sums_upto[:, full - 1, :].copy()
                tops = tops_upto[:, full - 1].copy()
            else:
                sums = np.zeros((count, VECTOR_SIZE))
                tops = np.full(count, -np.inf)
            self._add_partial_minute(sums, tops, first, start, now)
            result[name] = (sums, [None if math.isinf(top) else float(top) for top in tops])
        return result

    def _add_partial_minute(self, sums: np.ndarray, tops: np.ndarray, minute: int, start: float,
                            now: float) -> None:  # fmt: skip
        """Add the calls of a window's first minute that fall inside it (at one numpy call)."""
        arrays = self._minute_arrays.get(minute)
        if arrays is None:
            rows = [(q, wait_end, wait, vector)
                    for q, bucket in self._ring_calls.get(minute, {}).items()
                    for wait_end, vector, wait in bucket.values()]  # fmt: skip
            arrays = self._minute_arrays[minute] = (
                np.array([row[0] for row in rows], dtype=np.int64),
                np.array([row[1] for row in rows], dtype=float),
                np.array([row[2] for row in rows], dtype=float),
                np.array([row[3] for row in rows], dtype=float).reshape(len(rows), VECTOR_SIZE),
            )  # fmt: skip
        queues, wait_ends, waits, vectors = arrays
        inside = (wait_ends >= start) & (wait_ends <= now)
        if inside.any():
            np.add.at(sums, queues[inside], vectors[inside])
            np.maximum.at(tops, queues[inside], waits[inside])

    def _today_maxes(self) -> list[float | None]:
        for q in self._today_max_stale:
            queue = self._queues[q]
            waits = [
                call.wait_s or 0.0
                for call in self.calls.values()
                if call.queue == queue and call.wait_end_at is not None
                and call.wait_end_at >= self.day_start and call.outcome is not None
            ]  # fmt: skip
            settled = self._settled.queues.get(queue) if self._settled else None
            if settled is not None and settled[1] is not None:
                waits.append(settled[1])
            self._today_max[q] = max(waits) if waits else None
        self._today_max_stale.clear()
        return self._today_max

    # ----------------------------------------------------------------- agents
    def agent_state(self, book: _AgentBook, now: float) -> tuple[
        str, float | None, str | None, str | None, CallRow | None
    ]:  # fmt: skip
        """(state, since, reason, queue, call) of an agent at `now`."""
        interval = book.availability_at(now)
        row = book.row
        state, call = shown_state(interval.state if interval is not None else None,
                                  book.talking.values(), bool(row is not None and row.ringing))  # fmt: skip
        if state == OFFLINE:
            return OFFLINE, interval.start if interval else None, None, None, None
        if call is not None:
            return ON_CALL, call.answered_at, None, call.queue, call
        if state == RINGING:
            return RINGING, row.last_event_at, None, row.ringing, None
        since = interval.start
        if book.last_call_end is not None and book.last_call_end > since:
            since = book.last_call_end
        return interval.state, since, interval.reason, interval.queue, None

    def occupancy(self, book: _AgentBook, now: float, window: float = 3600) -> float | None:
        """(talk + wrap-up) / (talk + wrap-up + available idle) over [now - window, now]."""
        busy, idle = self.occupancy_parts(book, now, window)
        return occupancy(busy, 0.0, idle)

    def occupancy_parts(self, book: _AgentBook, now: float,
                        window: float = 3600) -> tuple[float, float]:  # fmt: skip
        """(busy, idle) seconds over [now - window, now]: talk plus wrap-up, and available
        time not on a call."""
        start = now - window
        talk = wrapup = available = talk_in_available = 0.0
        spans: list[tuple[float, float]] = []
        for call in book.calls.values():
            if call.answered_at is None:
                continue
            end = call.ended_at if call.ended_at is not None else now
            low, high = max(call.answered_at, start), min(end, now)
            if high > low:
                talk += high - low
                spans.append((low, high))
        index = max(0, bisect.bisect_right(book.starts, start) - 1)
        for interval in book.availability[index:]:
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
        return talk + wrapup, max(0.0, available - talk_in_available)

    def _login_today(self, book: _AgentBook, interval: IntervalRow | None, now: float) -> float:
        """Seconds logged in today: finished intervals plus the open one so far."""
        login_today = book.closed_login
        if interval is not None and interval.end is None and interval.state != OFFLINE:
            login_today += max(0.0, now - max(interval.start, self.day_start))
        return login_today

    def listed(self, book: _AgentBook, now: float) -> tuple[bool, IntervalRow | None]:
        """Whether the agent belongs on today's floor at `now` (logged in now, or at some time
        today; not someone gone since yesterday), with their availability at `now`."""
        if not book.availability:
            return False, None
        interval = book.availability_at(now)
        if interval is None or interval.state == OFFLINE:
            if not book.closed_login and not book.calls_today:
                return False, interval
        return True, interval

    def _agent_snapshot(self, book: _AgentBook, now: float,
                        interval: IntervalRow | None) -> AgentSnapshot:  # fmt: skip
        """The agent as of now, without details (see AgentSnapshot: what moves with the clock
        is left to the instant)."""
        state, since, reason, queue, call = self.agent_state(book, now)
        current = None
        talk_from = None
        if call is not None:
            answered = call.answered_at if call.answered_at is not None else now
            current = CurrentCall(call.call_id, call.queue, call.caller, answered, call.wait_s)
            if answered >= self.day_start:
                talk_from = answered
        open_from = open_pause = None
        if interval is not None and interval.end is None and interval.state != OFFLINE:
            open_from = max(interval.start, self.day_start)
            if interval.state in (PAUSED, WRAPUP):
                open_pause = _pause_key(interval)
        handled = book.handled_today
        return AgentSnapshot(
            name=book.name,
            display_name=self.config.agent_name(book.name),
            state=state,
            since=since,
            reason=reason,
            queue=queue,
            call=current,
            queues=book.queues,
            paused_in={q: p.reason for q, p in book.pauses.items()} if book.pauses else {},
            calls_today=book.calls_today,
            aht_today_s=metrics.mean_seconds(book.talk_today + book.wrapup_today, handled),
            ring_no_answers_today=book.misses_today,
            talk_closed_s=book.talk_today,
            login_closed_s=book.closed_login,
            pause_closed_s=dict(book.closed_pause) if book.closed_pause else {},
            open_from=open_from,
            open_pause=open_pause,
            talk_from=talk_from,
            flags=sorted(book.flags.values(), key=lambda f: (-RANK[f.severity], f.rule))
            if book.flags else [],
            burnout=overall_level(book.flags.values(), self.config.burnout) if book.flags else None,
        )

    def detailed(self, agent: AgentSnapshot, now: float) -> AgentSnapshot:
        """The agent with the numbers that cost more (occupancy over the last hour) at `now`."""
        return replace(agent, occupancy_60m=self.occupancy(self.agents[agent.name], now))

    def _agents_at(self, now: float) -> dict[str, AgentSnapshot]:
        """Every agent on the floor at `now`, by name. Going forward in time, only the agents
        whose book changed since the last snapshot, or whose availability interval has run
        out, are looked at again; the rest are the same objects as last time."""
        books = self.agents
        if self._names is None or now < self._shown_at:
            self._names = sorted(books)
            names: Collection[str] = self._names
            rebuild = True
        else:
            names = set(self.touched_since(self._shown_version))
            expiries = self._expiries
            while expiries and expiries[0][0] <= now:
                names.add(heapq.heappop(expiries)[1])
            rebuild = False
        listed = self._listed
        for name in names:
            before = self._shown.get(name)
            agent = self._shown_agent(books[name], now).agent
            if rebuild or (before is not None and agent is before.agent):
                continue
            if agent is not None and name in listed:
                listed[name] = agent  # keeps its place
            elif agent is not None or name in listed:
                rebuild = True  # someone joined or left the floor: order them again
        if rebuild:
            shown = self._shown
            self._listed = {name: shown[name].agent for name in self._names
                            if shown[name].agent is not None}  # fmt: skip
        self._shown_version = self.version
        self._shown_at = now
        return dict(self._listed)

    def _shown_agent(self, book: _AgentBook, now: float) -> _ShownAgent:
        """The agent's cached snapshot if nothing happened to them and `now` is still inside
        the availability interval it was taken in; otherwise a new one, with the running
        staffing sums moved from the old one's counts to the new one's."""
        shown = self._shown.get(book.name)
        if (shown is not None and shown.version == book.version
                and shown.valid_from <= now < shown.valid_until):  # fmt: skip
            return shown
        listed, interval = self.listed(book, now)
        valid_from, valid_until = _validity(book, now)
        agent = self._agent_snapshot(book, now, interval) if listed else None
        counts = self._counts(book, agent) if agent is not None else ()
        if shown is not None:
            self._add_counts(shown.counts, shown.agent, -1)
        self._add_counts(counts, agent, 1)
        shown = self._shown[book.name] = _ShownAgent(book.version, valid_from, valid_until,
                                                     agent, counts)  # fmt: skip
        if valid_until != math.inf:
            heapq.heappush(self._expiries, (valid_until, book.name))
        return shown

    def _counts(self, book: _AgentBook, agent: AgentSnapshot) -> tuple[tuple[str, int, str | None], ...]:
        """What the agent adds to each of their queues' staffing: (queue, column, pause
        reason). Staffed: logged in and not paused in the queue (on a call, ringing, in
        wrap-up or available)."""
        state = agent.state
        if state == OFFLINE:
            return ()
        counts = []
        for queue in book.memberships:
            if state == ON_CALL:
                counts.append((queue, _ON_CALL, None))
            elif state == RINGING:
                counts.append((queue, _RINGING, None))
            elif state == WRAPUP:
                counts.append((queue, _WRAPUP, None))
            elif queue in book.pauses or state == PAUSED:
                pause = book.pauses.get(queue)
                counts.append((queue, _PAUSED, (pause.reason if pause else agent.reason) or "Paused"))
            else:
                counts.append((queue, _AVAILABLE, None))
        return tuple(counts)

    def _add_counts(self, counts: tuple, agent: AgentSnapshot | None, sign: int) -> None:
        if agent is not None:
            self._state_counts[agent.state] = self._state_counts.get(agent.state, 0) + sign
        for queue, column, reason in counts:
            row = self._queue_counts.get(queue)
            if row is None:
                row = self._queue_counts[queue] = [0] * _COLUMNS
            row[column] += sign
            if column != _PAUSED:
                row[_STAFFED] += sign
            else:
                reasons = self._queue_paused.setdefault(queue, {})
                left = reasons.get(reason, 0) + sign
                if left:
                    reasons[reason] = left
                else:
                    reasons.pop(reason, None)

    # ----------------------------------------------------------------- burnout facts
    def queue_aht_today(self) -> dict[str, float]:
        """Each queue's AHT today (the yardstick of the "hard calls" rule), from the running
        totals: the same number as the snapshot's windows["today"].aht_s."""
        handled = self._today[:, metrics.HANDLED]
        handle = self._today[:, metrics.TALK] + self._today[:, metrics.WRAPUP]
        means = {queue: metrics.mean_seconds(float(handle[q]), float(handled[q]))
                 for queue, q in self._queue_index.items()}  # fmt: skip
        return {queue: mean for queue, mean in means.items() if mean}

    def agent_facts(self, name: str, now: float,
                    queue_aht: dict[str, float]) -> AgentFacts | None:  # fmt: skip
        """What the burnout rules need of one agent at `now`, straight from the agent's book
        (no snapshot: the monitor evaluates a few agents per round, not the floor); None when
        the agent is not on today's floor."""
        book = self.agents.get(name)
        if book is None:
            return None
        listed, interval = self.listed(book, now)
        if not listed:
            return None
        start = now - 3600
        logged_in_60m = 0.0
        index = max(0, bisect.bisect_right(book.starts, start) - 1)
        for span in book.availability[index:]:
            end = span.end if span.end is not None else now
            if span.state != OFFLINE:
                logged_in_60m += max(0.0, min(end, now) - max(span.start, start))
        first = max(0, bisect.bisect_right(book.starts, self.day_start) - 1)
        spans = [Span(i.start, i.end, i.state, i.reason) for i in book.availability[first:]
                 if i.start <= now]  # fmt: skip
        calls = [
            CallFact(c.call_id, c.queue, c.answered_at, c.ended_at, c.talk_s, c.wrapup_s)
            for c in sorted(book.recent.values(), key=lambda c: c.answered_at or 0)
            if c.answered_at is not None and c.answered_at <= now
        ]  # fmt: skip
        later = [i.start for i in book.availability[-2:] if i.start > now]
        later += [c.answered_at for c in book.recent.values()
                  if c.answered_at is not None and c.answered_at > now]  # fmt: skip
        later += [ts for ts in book.misses[-3:] if ts > now]
        busy, idle = self.occupancy_parts(book, now)
        logged_in = interval is not None and interval.state != OFFLINE
        return AgentFacts(
            agent=name,
            now=now,
            day_start=self.day_start,
            availability=spans,
            calls=calls,
            misses=[ts for ts in book.misses if ts <= now],
            login_today_s=self._login_today(book, interval, now),
            occupancy_60m=occupancy(busy, 0.0, idle),
            logged_in_60m_s=logged_in_60m,
            on_call=logged_in and bool(book.talking),
            queue_aht=queue_aht,
            busy_60m_s=busy,
            idle_60m_s=idle,
            logged_in=logged_in,
            next_fact_at=min(later) if later else None,
        )

    # ----------------------------------------------------------------- snapshot
    def snapshot(self, now: float, details: Collection[str] | str | None = ALL) -> FloorSnapshot:
        """The floor at `now`. `details`: agents whose costlier numbers (occupancy) to compute:
        ALL, None, or a collection of names (the rows a viewer shows)."""
        self.forget_settled(now)
        agents = self._agents_at(now)
        detailed = agents if details == ALL else details or ()
        for name in [name for name in detailed if name in agents]:
            agents[name] = self.detailed(agents[name], now)
        windows = self._rolling_windows(now)
        today_max = self._today_maxes()
        queues: dict[str, QueueSnapshot] = {}
        order = sorted(self._queues, key=lambda q: self.config.queue_name(q).casefold())
        for queue in order:
            q = self._queue_index[queue]
            level = self._level(queue)
            waiting = self._waiting_at(queue, now)
            stats = {"today": self._window_stats("today", q, self._today[q], today_max[q],
                                                 level.formula)}  # fmt: skip
            for name, (sums, maxes) in windows.items():
                stats[name] = self._window_stats(name, q, sums[q], maxes[q], level.formula)
            queues[queue] = QueueSnapshot(
                name=queue,
                display_name=self.config.queue_name(queue),
                calls_waiting=len(waiting),
                longest_wait_s=waiting[0].wait_s(now) if waiting else None,
                waiting=waiting,
                windows=stats,
                threshold_s=level.threshold_s,
                target=level.target,
                formula=level.formula,
            )
        self._count_staffing(queues)
        self._staffing_gap(queues, now, windows)
        for name, (waiting_trend, level_trend) in self.trends(now).items():
            if name in queues:
                queues[name].trend_waiting = waiting_trend
                queues[name].trend_service_level = level_trend
        return FloorSnapshot(
            at=now,
            day_start=self.day_start,
            timezone=self.timezone,
            queues=queues,
            agents=agents,
            totals=self._totals(queues, agents, windows, today_max),
            feeds=self._feeds(now),
        )

    def _waiting_at(self, queue: str, now: float) -> Sequence[WaitingCall]:
        """The queue's callers waiting at `now`, oldest first: the same tuple from snapshot to
        snapshot until someone joins or leaves the queue."""
        waiting = self._waiting_sorted.get(queue)
        if waiting is None:
            calls = sorted(self.waiting[queue].values(), key=lambda c: c.enqueued_at)
            waiting = self._waiting_sorted[queue] = tuple(
                WaitingCall(c.call_id, queue, c.caller, c.position, c.enqueued_at)
                for c in calls)  # fmt: skip
        if waiting and waiting[-1].enqueued_at > now:  # callers ahead of the clock
            return waiting[:bisect.bisect_right(waiting, now, key=lambda c: c.enqueued_at)]
        return waiting

    def _window_stats(self, window: str, q: int, vector: np.ndarray, max_wait: float | None,
                      formula: str) -> WindowStats:  # fmt: skip
        """WindowStats of a queue's sums, computed again only when the sums moved."""
        sums = vector.tobytes()
        cached = self._stats.get((window, q))
        if cached is not None and cached[0] == sums and cached[1] == max_wait:
            return cached[2]
        stats = WindowStats.from_vector(vector, max_wait, formula)
        self._stats[(window, q)] = (sums, max_wait, stats)
        return stats

    def _staffing_gap(self, queues: dict[str, QueueSnapshot], now: float,
                      windows: dict[str, tuple[np.ndarray, list]]) -> None:  # fmt: skip
        """Per queue: agents the recent traffic needs (Erlang C, the queue's own target) against
        agents staffed now, and the signed gap (negative: short)."""
        settings = self.config.staffing
        if not settings.enabled:
            return
        arrival_s = settings.arrival_window_min * 60
        aht_s = settings.aht_window_min * 60
        arrivals = self._window_vectors(now, int(arrival_s))[0] if arrival_s != 1800 else (
            windows["30m"][0])  # fmt: skip
        handles = self._window_vectors(now, int(aht_s))[0] if aht_s != 1800 else windows["30m"][0]
        for name, queue in queues.items():
            q = self._queue_index[name]
            offered = float(arrivals[q][metrics.OFFERED])
            handled = float(handles[q][metrics.HANDLED])
            handle_s = float(handles[q][metrics.TALK] + handles[q][metrics.WRAPUP])
            aht = (metrics.mean_seconds(handle_s, handled) if handled
                   else queue.windows["today"].aht_s)  # fmt: skip
            staffed = queue.agents_staffed
            # No calls, no AHT, or one no floor can have (a bad stored row): no staffing figure.
            inputs = (offered, aht, queue.target, queue.threshold_s, settings.max_occupancy)
            memo = self._staffing_memo.get(name)
            if memo is not None and memo[0] == inputs:
                staffing = memo[1]
            else:
                staffing = staffing_for(offered, arrival_s, *inputs[1:])
                self._staffing_memo[name] = (inputs, staffing)
            needed = staffing.agents if staffing is not None else 0
            traffic_erlangs = staffing.traffic if staffing is not None else 0.0
            queue.staffing = {
                "model": "erlang_c",
                "calls_per_hour": offered / arrival_s * 3600,
                "aht_s": aht,
                "traffic_erlangs": traffic_erlangs,
                "agents_needed": needed,
                "agents_staffed": staffed,
                "gap": staffed - needed,
            }

    def trends(self, now: float) -> dict[str, tuple[list[int], list[float | None]]]:
        """Per queue, the last hour in 5-minute steps: calls waiting at each step's end and the
        service level of each step. Recomputed once a minute (it moves slowly)."""
        minute = int(now // 60)
        if self._trends[0] == minute:
            return self._trends[1]
        ends = now - TREND_STEP_S * np.arange(TREND_POINTS - 1, -1, -1)
        start = float(ends[0]) - TREND_STEP_S
        count = len(self._queues)
        steps = np.zeros((count, TREND_POINTS, VECTOR_SIZE))
        entered: list[list[float]] = [[] for _ in range(count)]
        ended: list[list[float]] = [[] for _ in range(count)]
        for call in self.calls.values():
            wait_end = call.wait_end_at
            if wait_end is not None and wait_end < start:
                continue
            q = self._queue_index[call.queue]
            entered[q].append(call.enqueued_at)
            ended[q].append(math.inf if wait_end is None else wait_end)
            applied = self._applied.get(call.id)
            if applied is not None and wait_end is not None and wait_end < now:
                steps[q, min(TREND_POINTS - 1, int((wait_end - start) // TREND_STEP_S))] += applied[2]
        result: dict[str, tuple[list[int], list[float | None]]] = {}
        for queue, q in self._queue_index.items():
            starts, stops = np.array(entered[q]), np.array(ended[q])
            waiting = ((starts[:, None] <= ends) & (stops[:, None] > ends)).sum(axis=0)
            formula = self._level(queue).formula
            levels = [WindowStats.from_vector(steps[q, i], None, formula).service_level
                      for i in range(TREND_POINTS)]  # fmt: skip
            result[queue] = ([int(n) for n in waiting], levels)
        self._trends = (minute, result)
        return result

    def _count_staffing(self, queues: dict[str, QueueSnapshot]) -> None:
        """Per queue, its logged-in members by state, from the running sums (_add_counts)."""
        for name, queue in queues.items():
            row = self._queue_counts.get(name)
            if row is None:
                continue
            queue.agents_on_call = row[_ON_CALL]
            queue.agents_ringing = row[_RINGING]
            queue.agents_wrapup = row[_WRAPUP]
            queue.agents_paused = row[_PAUSED]
            queue.agents_available = row[_AVAILABLE]
            queue.agents_staffed = row[_STAFFED]
            queue.paused_by_reason = dict(self._queue_paused.get(name, {}))

    def _totals(self, queues, agents, windows, today_max) -> FloorTotals:
        formula = self.config.service_level.formula
        floor_windows = {}
        for name in WINDOWS:
            if name == "today":
                sums = self._today.sum(axis=0) if len(self._queues) else np.zeros(VECTOR_SIZE)
                maxes = today_max
            else:
                vectors, maxes = windows[name]
                sums = vectors.sum(axis=0) if len(self._queues) else np.zeros(VECTOR_SIZE)
            known = [m for m in maxes if m is not None]
            floor_windows[name] = WindowStats.from_vector(sums, max(known) if known else None,
                                                          formula)  # fmt: skip
        states = self._state_counts
        longest = [q.longest_wait_s for q in queues.values() if q.longest_wait_s is not None]
        return FloorTotals(
            calls_waiting=sum(q.calls_waiting for q in queues.values()),
            longest_wait_s=max(longest) if longest else None,
            windows=floor_windows,
            agents_logged_in=sum(count for state, count in states.items() if state != OFFLINE),
            agents_available=states.get(AVAILABLE, 0),
            agents_ringing=states.get(RINGING, 0),
            agents_on_call=states.get(ON_CALL, 0),
            agents_wrapup=states.get(WRAPUP, 0),
            agents_paused=states.get(PAUSED, 0),
        )

    def _feeds(self, now: float) -> list[FeedHealth]:
        feeds = []
        for name, source in sorted(self.sources.items()):
            age = None if source.last_received_at is None else max(0.0, now - source.last_received_at)
            lag = None if source.last_event_ts is None else now - source.last_event_ts
            feeds.append(FeedHealth(name, source.status, source.detail, source.events,
                                    source.rejects, source.last_event_ts, age, lag))  # fmt: skip
        return feeds


def _pause_key(interval: IntervalRow) -> str:
    return interval.reason or ("Wrap-up" if interval.state == WRAPUP else "Paused")


def clip_changes(changes: Changes, at: float) -> Changes:
    """Rows as they stood at `at` (for snapshots of a past instant)."""
    calls = [c for c in (clip_call(call, at) for call in changes.calls) if c is not None]
    availability = [i for i in (clip_interval(x, at) for x in changes.availability) if i]
    pauses = [i for i in (clip_interval(x, at) for x in changes.pauses) if i]
    memberships = [m for m in (clip_membership(x, at) for x in changes.memberships) if m]
    misses = [m for m in changes.misses if m.ts <= at]
    agents = [AgentRow(row.name, None, row.last_event_at) for row in changes.agents]
    flags = [f for f in changes.flags if f.raised_at <= at]
    flags = [replace(f, cleared_at=None) if f.cleared_at is not None and f.cleared_at > at else f
             for f in flags]  # fmt: skip
    return Changes(calls, availability, pauses, memberships, misses, agents, changes.sources,
                   changes.settled, flags)


