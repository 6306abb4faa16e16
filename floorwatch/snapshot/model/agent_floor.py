"""Today's agents in memory, and what the burnout rules need of them: the floor model without
the queues' windows, waiting callers and staffing.

This is what the ingest's burnout monitor keeps (plain Python: no numpy). The viewers' model,
FloorModel (floor.py), is this plus the queues' side. A reader feeds either the same `Changes`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from floorwatch.clock import local_day_end, local_day_start
from floorwatch.config import Config
from floorwatch.snapshot.burnout import AgentFacts
from floorwatch.snapshot.model.agent_book import AgentBook
from floorwatch.snapshot.model.agents import AgentBooks
from floorwatch.snapshot.model.burnout_facts import agent_facts
from floorwatch.snapshot.model.changes import LOOKBACK_S, Changes, Settled
from floorwatch.snapshot.model.kept_calls import KeptCalls
from floorwatch.snapshot.model.ledger import CallLedger, Queues
from floorwatch.store.rows import CallRow


class AgentFloor:
    """Today's agents, kept up to date by `apply`; ask for `agent_facts(name, now, ...)`."""

    #: Calls done with their wait over this long ago are settled: counted, then forgotten.
    KEEP_S = 2 * 3600
    #: Calls kept per agent for occupancy over the last hour.
    AGENT_KEEP_S = 65 * 60

    def __init__(self, config: Config, day_of: float):
        self.config = config
        self.tz = config.tzinfo()
        self.day_start = local_day_start(day_of, self.tz)
        self.day_end = local_day_end(self.day_start, self.tz)
        self.horizon = self.day_start - LOOKBACK_S
        self.queues = Queues(config)
        self.calls = KeptCalls(self.day_start)
        self.ledger = CallLedger(self.queues, self.day_start, self.horizon)
        self.books = AgentBooks(self.day_start)
        self._last_eviction = -math.inf

    @property
    def agents(self) -> dict[str, AgentBook]:
        """Every agent met today (and in the lookback), by name."""
        return self.books.books

    @property
    def version(self) -> int:
        """Counts changes to agents' books (see touched_since)."""
        return self.books.version

    def touched_since(self, version: int) -> list[str]:
        """Agents whose book changed after the model's `version`: what a consumer that last
        looked at `version` must look at again (the burnout monitor, a viewer's rows). Costs
        the number of such agents, not the size of the floor."""
        return self.books.touched_since(version)

    def queue_names(self) -> list[str]:
        return list(self.queues.names)

    def needs_reload(self, now: float) -> bool:
        """True once `now` is past the model's day: build a new model for the new day."""
        return now >= self.day_end

    # ----------------------------------------------------------------- applying changes
    def apply(self, changes: Changes) -> None:
        if changes.settled is not None:
            self._apply_settled(changes.settled)
        if changes.calls:
            self._apply_calls(changes.calls)
        books = self.books
        for interval in changes.availability:
            books.apply_availability(interval)
        for pause in changes.pauses:
            books.apply_pause(pause)
        for membership in changes.memberships:
            books.apply_membership(membership)
            if membership.left_at is None:
                self.queues.index_of(membership.queue)
        for miss in changes.misses:
            books.apply_miss(miss)
        for row in changes.agents:
            books.apply_row(row)
        for flag in changes.flags:
            books.apply_flag(flag)

    def _apply_settled(self, settled: Settled) -> None:
        self.calls.settled = settled
        self.ledger.apply_settled(settled)
        self.books.apply_settled(settled)

    def _apply_calls(self, calls: Sequence[CallRow]) -> None:
        for call in calls:
            self._apply_call(call)

    def _apply_call(self, call: CallRow) -> None:
        kept = self.calls
        old = kept.by_id.get(call.id)
        if old is None and kept.already_counted(call):
            return
        kept.by_id[call.id] = call
        q = self.queues.index_of(call.queue)
        self._call_changed(call, old)
        self.ledger.apply(call, q)
        self.books.apply_call(call, old)

    def _call_changed(self, call: CallRow, old: CallRow | None) -> None:
        """A call's new row, for what the queues' side keeps of it (nothing here)."""

    # ----------------------------------------------------------------- forgetting
    def forget_settled(self, now: float) -> None:
        """Once a minute: forget calls that can no longer change (their numbers stay in the
        totals), so the model holds the last hours, not the day. Whoever asks the model about
        `now` (a snapshot, the burnout monitor) calls it."""
        if now - self._last_eviction > 60:
            self._last_eviction = now
            evicted = [call.id for call in self.calls.evict(now - self.KEEP_S)]
            self.ledger.forget(evicted)
            self.books.forget(evicted, now - self.AGENT_KEEP_S)

    # ----------------------------------------------------------------- burnout facts
    def queue_aht_today(self) -> dict[str, float]:
        """Each queue's AHT today (the yardstick of the "hard calls" rule): the same number as
        the snapshot's windows["today"].aht_s."""
        return self.ledger.queue_aht_today()

    def agent_facts(self, name: str, now: float, queue_aht: dict[str, float]) -> AgentFacts | None:
        """What the burnout rules need of one agent at `now`; None when the agent is not on
        today's floor."""
        book = self.books.books.get(name)
        return None if book is None else agent_facts(book, now, self.day_start, queue_aht)
