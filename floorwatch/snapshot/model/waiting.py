"""The callers waiting in each queue, as the snapshot shows them (oldest first)."""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Sequence
from operator import attrgetter

from floorwatch.snapshot.floor_snapshot import WaitingCall
from floorwatch.store.rows import CallRow

_enqueued_at = attrgetter("enqueued_at")


class WaitingCalls:
    """Calls still waiting, by queue, each as the snapshot shows it (made once per change of
    its row); each queue's sorted tuple is reused until someone joins or leaves that queue."""

    def __init__(self) -> None:
        self.by_queue: dict[str, dict[int, WaitingCall]] = defaultdict(dict)
        self._sorted: dict[str, tuple[WaitingCall, ...]] = {}

    def apply(self, call: CallRow, old: CallRow | None) -> None:
        if old is not None and self.by_queue[old.queue].pop(old.id, None) is not None:
            self._sorted.pop(old.queue, None)
        if call.outcome is None and call.status != "done":
            self.by_queue[call.queue][call.id] = WaitingCall(
                call.call_id,
                call.queue,
                call.caller,
                call.position,
                call.enqueued_at,
                call.caller_name,
                call.priority,
            )
            self._sorted.pop(call.queue, None)

    def at(self, queue: str, now: float) -> Sequence[WaitingCall]:
        """The queue's callers waiting at `now`, oldest first: the same tuple from snapshot to
        snapshot until someone joins or leaves the queue."""
        waiting = self._sorted.get(queue)
        if waiting is None:
            calls = self.by_queue[queue].values()
            waiting = self._sorted[queue] = tuple(sorted(calls, key=_enqueued_at))
        if waiting and waiting[-1].enqueued_at > now:  # callers ahead of the clock
            return waiting[: bisect.bisect_right(waiting, now, key=_enqueued_at)]
        return waiting
