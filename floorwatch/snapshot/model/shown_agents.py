"""Every agent on the floor as the snapshot shows them, each reused while it still holds.

An agent's snapshot holds while nothing happens to their book and the clock stays inside the
availability interval it was taken in. Going forward in time only the agents whose book changed,
or whose interval ran out, are looked at again; the rest are the same objects as last time. Each
new snapshot moves the queues' staffing sums from the old one's counts to the new one's.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace

from floorwatch.config import Config
from floorwatch.snapshot import metrics
from floorwatch.snapshot.burnout import RANK, overall_level
from floorwatch.snapshot.floor_snapshot import AgentSnapshot, CurrentCall
from floorwatch.snapshot.metrics import occupancy
from floorwatch.snapshot.model.agent_book import OFFLINE, PAUSED, WRAPUP, AgentBook, pause_key
from floorwatch.snapshot.model.agents import AgentBooks
from floorwatch.snapshot.model.staffing import StaffingCount, StaffingCounts, staffing_counts
from floorwatch.store.rows import IntervalRow


@dataclass(slots=True)
class ShownAgent:
    """An agent's snapshot, the book version it was taken at, and the stretch of time over
    which it holds (the availability interval it was taken in)."""

    version: int
    valid_from: float
    valid_until: float
    agent: AgentSnapshot | None  # None: not on today's floor
    counts: tuple[StaffingCount, ...]


@dataclass(slots=True)
class LastLook:
    """The last snapshot's agents (by name, in name order) and when it was taken."""

    version: int = 0  # the books' version
    at: float = -math.inf
    listed: dict[str, AgentSnapshot] | None = None


class ShownAgents:
    """The agents of the floor at `now`, computed again only where something changed."""

    def __init__(
        self, config: Config, books: AgentBooks, day_start: float, staffing: StaffingCounts
    ):
        self.config = config
        self.books = books
        self.day_start = day_start
        self.staffing = staffing
        self._shown: dict[str, ShownAgent] = {}
        self._names: list[str] = []  # sorted agent names, while no book is added
        self._last = LastLook()
        #: (instant, agent): when an agent's cached snapshot stops holding by time alone.
        self._expiries: list[tuple[float, str]] = []

    def at(self, now: float) -> dict[str, AgentSnapshot]:
        """Every agent on the floor at `now`, by name (the caller's own dict)."""
        return dict(self.listing(now))

    def listing(self, now: float) -> Mapping[str, AgentSnapshot]:
        """`at` without the copy: the listing kept here, to read only and until the next
        call (which updates it in place); for a reader that only looks, at once (the alarm
        round), not a snapshot kept or changed (5,000 agents: the copy is not free)."""
        books = self.books.books
        last = self._last
        if last.listed is None or len(self._names) != len(books) or now < last.at:
            self._names = sorted(books)
            names: Collection[str] = self._names
            rebuild = True
        else:
            names = set(self.books.touched_since(last.version))
            expiries = self._expiries
            while expiries and expiries[0][0] <= now:
                names.add(heapq.heappop(expiries)[1])
            rebuild = False
        listed = last.listed
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
            listed = {
                name: shown[name].agent for name in self._names if shown[name].agent is not None
            }
        self._last = LastLook(self.books.version, now, listed)
        return listed

    def _shown_agent(self, book: AgentBook, now: float) -> ShownAgent:
        """The agent's cached snapshot if nothing happened to them and `now` is still inside
        the availability interval it was taken in; otherwise a new one, with the running
        staffing sums moved from the old one's counts to the new one's."""
        shown = self._shown.get(book.name)
        if (
            shown is not None
            and shown.version == book.version
            and shown.valid_from <= now < shown.valid_until
        ):
            return shown
        listed, interval = book.on_floor(now)
        valid_from, valid_until = book.validity(now)
        agent = self._snapshot(book, now, interval) if listed else None
        counts = staffing_counts(book, agent) if agent is not None else ()
        if shown is not None:
            self.staffing.add(shown.counts, shown.agent, -1)
        self.staffing.add(counts, agent, 1)
        shown = self._shown[book.name] = ShownAgent(
            book.version, valid_from, valid_until, agent, counts
        )
        if valid_until != math.inf:
            heapq.heappush(self._expiries, (valid_until, book.name))
        return shown

    def _snapshot(self, book: AgentBook, now: float, interval: IntervalRow | None) -> AgentSnapshot:
        """The agent as of now, without details (see AgentSnapshot: what moves with the clock
        is left to the instant)."""
        shown = book.shown(now)
        current = None
        talk_from = None
        call = shown.call
        if call is not None:
            answered = call.answered_at if call.answered_at is not None else now
            current = CurrentCall(call.call_id, call.queue, call.caller, answered, call.wait_s)
            if answered >= self.day_start:
                talk_from = answered
        open_from = open_pause = None
        if interval is not None and interval.end is None and interval.state != OFFLINE:
            open_from = max(interval.start, self.day_start)
            if interval.state in (PAUSED, WRAPUP):
                open_pause = pause_key(interval.state, interval.reason)
        handled = book.handled_today
        # A flag belongs to the agent's shift: up while they are on today's floor, none up now
        # once they logged off or their day ended (yesterday's flags are only in the history).
        up = [
            flag
            for flag in book.flags.values()
            if shown.state != OFFLINE and max(flag.raised_at, flag.last_true_at) >= self.day_start
        ]
        return AgentSnapshot(
            name=book.name,
            display_name=self.config.agent_name(book.name),
            state=shown.state,
            since=shown.since,
            reason=shown.reason,
            queue=shown.queue,
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
            flags=sorted(up, key=lambda f: (-RANK[f.severity], f.rule)),
            burnout=overall_level(up, self.config.burnout) if up else None,
        )

    def detailed(self, agent: AgentSnapshot, now: float) -> AgentSnapshot:
        """The agent with the numbers that cost more (occupancy over the last hour) at `now`."""
        parts = self.books.books[agent.name].busy_idle(now)
        return replace(agent, occupancy_60m=occupancy(parts.busy, 0.0, parts.idle))
