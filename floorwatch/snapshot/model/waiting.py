"""The callers waiting in each queue, as the snapshot shows them (oldest first)."""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Sequence

from floorwatch.snapshot.floor_snapshot import WaitingCall
from floorwatch.store.rows import CallRow


class WaitingCalls:
    """Calls still waiting, by queue; each queue's sorted tuple is reused until someone joins
    or leaves that queue."""

    def __init__(self) -> None:
        self.by_queue: dict[str, dict[int, CallRow]] = defaultdict(dict)
        self._sorted: dict[str, tuple[WaitingCall, ...]] = {}

    def apply(self, call: CallRow, old: CallRow | None) -> None:
        if old is not None and self.by_queue[old.queue].pop(old.id, None) is not None:
            self._sorted.pop(old.queue, None)
        if call.outcome is None and call.status != "done":
            self.by_queue[call.queue][call.id] = call
            self._sorted.pop(call.queue, None)

    def at(self, queue: str, now: float) -> Sequence[WaitingCall]:
        """The queue's callers waiting at `now`, oldest first: the same tuple from snapshot to
        snapshot until someone joins or leaves the queue."""
        waiting = self._sorted.get(queue)
        if waiting is None:
            calls = sorted(self.by_queue[queue].values(), key=lambda c: c.enqueued_at)
            waiting = self._sorted[queue] = tuple(
                WaitingCall(
                    c.call_id, queue, c.caller, c.position, c.enqueued_at, c.caller_name, c.priority
                )
                for c in calls
            )
        if waiting and waiting[-1].enqueued_at > now:  # callers ahead of the clock
            return waiting[: bisect.bisect_right(waiting, now, key=lambda c: c.enqueued_at)]
        return waiting
