"""Every agent's book, kept up to date by rows, and which books changed since when.

A consumer that last looked at the books at `version` asks `touched_since(version)` for the
agents to look at again (the burnout monitor, a viewer's agent snapshots): that costs the number
of agents that changed, never the size of the floor.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass, replace

from floorwatch.snapshot.burnout import Flag
from floorwatch.snapshot.model.agent_book import OFFLINE, PAUSED, WRAPUP, AgentBook, pause_key
from floorwatch.snapshot.model.changes import Settled
from floorwatch.store.rows import AgentRow, CallRow, IntervalRow, MembershipRow, MissRow

#: Answered calls kept per agent whatever their age (burnout rules look at the last calls).
RECENT_CALLS = 48


@dataclass(slots=True)
class CountedCall:
    """What one call added to its agent's numbers of the day (taken back if the call changes)."""

    agent: str
    calls: int
    handled: int
    talk: float
    wrapup: float


@dataclass(slots=True)
class ClosedTime:
    """What one finished availability interval added to its agent's closed totals of the day."""

    agent: str
    state: str
    reason: str | None
    seconds: float


class AgentBooks:
    """The books by agent name, and a change count: each change to a book moves it on."""

    def __init__(self, day_start: float):
        self.day_start = day_start
        self.books: dict[str, AgentBook] = {}
        #: Counts changes to agents' books; each book keeps the count of its last change.
        self.version = 0
        self._touched: dict[str, int] = {}  # agent -> version of its last change, oldest first
        self._counted: dict[int, CountedCall] = {}  # by call store id
        self._closed: dict[int, ClosedTime] = {}  # by interval store id

    # ----------------------------------------------------------------- changes
    def book(self, name: str) -> AgentBook:
        """The agent's book, for changing it (so its version moves on)."""
        book = self.books.get(name)
        if book is None:
            book = self.books[name] = AgentBook(name)
        self.touch(book)
        return book

    def touch(self, book: AgentBook) -> None:
        self.version += 1
        book.version = self.version
        touched = self._touched
        touched.pop(book.name, None)
        touched[book.name] = self.version  # the newest change is always last

    def touched_since(self, version: int) -> list[str]:
        """Agents whose book changed after `version`, newest first."""
        touched = self._touched
        names = []
        for name in reversed(touched):
            if touched[name] <= version:
                break
            names.append(name)
        return names

    def apply_settled(self, settled: Settled) -> None:
        for agent, sums in settled.agents.items():
            book = self.book(agent)
            book.calls_today += sums.calls
            book.handled_today += sums.handled
            book.talk_today += sums.talk
            book.wrapup_today += sums.wrapup
        for agent, count in settled.misses.items():
            self.book(agent).misses_today += count

    def apply_call(self, call: CallRow, old: CallRow | None) -> None:
        """The call's new row in its agent's book (and its old row out of its old agent's)."""
        if old is not None and old.agent:
            book = self.books.get(old.agent)
            if book is not None:
                book.talking.pop(old.id, None)
                self.touch(book)
        counted = self._counted.pop(call.id, None)
        if counted is not None:
            book = self.book(counted.agent)
            book.calls_today -= counted.calls
            book.handled_today -= counted.handled
            book.talk_today -= counted.talk
            book.wrapup_today -= counted.wrapup
        if not call.agent or call.answered_at is None:
            return
        book = self.book(call.agent)
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
            self._counted[call.id] = CountedCall(call.agent, 1, handled, talk, wrapup)

    def apply_availability(self, interval: IntervalRow) -> None:
        book = self.book(interval.agent)
        intervals = book.availability
        previous = self._closed.pop(interval.id, None)
        if previous is not None:
            self._unclose(book, previous)
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
                self._close(book, intervals[index - 1])
        self._close(book, interval)

    def _close(self, book: AgentBook, interval: IntervalRow) -> None:
        """Add a finished interval's part of today to the agent's closed totals."""
        if interval.end is None:
            return
        previous = self._closed.pop(interval.id, None)
        if previous is not None:
            self._unclose(book, previous)
        seconds = max(0.0, interval.end - max(interval.start, self.day_start))
        if seconds <= 0:
            return
        if interval.state != OFFLINE:
            book.closed_login += seconds
        if interval.state in (PAUSED, WRAPUP):
            key = pause_key(interval.state, interval.reason)
            book.closed_pause[key] = book.closed_pause.get(key, 0.0) + seconds
        self._closed[interval.id] = ClosedTime(book.name, interval.state, interval.reason, seconds)

    def _unclose(self, book: AgentBook, closed: ClosedTime) -> None:
        if closed.state != OFFLINE:
            book.closed_login -= closed.seconds
        if closed.state in (PAUSED, WRAPUP):
            key = pause_key(closed.state, closed.reason)
            remaining = book.closed_pause.get(key, 0.0) - closed.seconds
            if remaining <= 1e-9:
                book.closed_pause.pop(key, None)
            else:
                book.closed_pause[key] = remaining

    def apply_pause(self, pause: IntervalRow) -> None:
        if pause.queue is None:
            return
        book = self.book(pause.agent)
        if pause.end is None:
            book.pauses[pause.queue] = pause
        elif book.pauses.get(pause.queue) is not None and book.pauses[pause.queue].id == pause.id:
            del book.pauses[pause.queue]

    def apply_membership(self, membership: MembershipRow) -> None:
        book = self.book(membership.agent)
        current = book.memberships.get(membership.queue)
        if membership.left_at is None:
            book.memberships[membership.queue] = membership
        elif current is not None and current.id == membership.id:
            del book.memberships[membership.queue]
        book.queues = sorted(book.memberships)

    def apply_miss(self, miss: MissRow) -> None:
        if not miss.canceled and miss.ts >= self.day_start:
            book = self.book(miss.agent)
            book.misses_today += 1
            book.misses.append(miss.ts)

    def apply_row(self, row: AgentRow) -> None:
        self.book(row.name).row = row

    def apply_flag(self, flag: Flag) -> None:
        book = self.book(flag.agent)
        if flag.cleared_at is None:
            book.flags[flag.store_id] = flag
        else:
            book.flags.pop(flag.store_id, None)

    # ----------------------------------------------------------------- forgetting
    def forget(self, evicted: Iterable[int], before: float) -> None:
        """Calls counted for good (`evicted` store ids), and each book's calls and misses older
        than `before` (kept for occupancy and missed rings over the last hour)."""
        for call_id in evicted:
            self._counted.pop(call_id, None)
        for book in self.books.values():
            if book.calls:
                for call_id in [
                    call_id
                    for call_id, call in book.calls.items()
                    if call.ended_at is not None and call.ended_at < before
                ]:
                    del book.calls[call_id]
            if book.misses and book.misses[0] < before:
                book.misses = [ts for ts in book.misses if ts >= before]
