"""The calls the model holds row by row: today's that can still change, and the last hours'.

The rest are counted in the totals and then forgotten: summed by the store at load (`Settled`)
or evicted once nothing more can happen to them. Either way a later row of such a call (a
store rewriting it unchanged) must not count it twice: `already_counted` says so.
"""

from __future__ import annotations

import math

from floorwatch.snapshot.model.changes import Settled, is_settled
from floorwatch.store.rows import CallRow


class KeptCalls:
    """Calls by store id, with what was counted without being kept."""

    def __init__(self, day_start: float):
        self.day_start = day_start
        self.by_id: dict[int, CallRow] = {}
        self.settled: Settled | None = None
        self._evicted = bytearray()  # a bit per call id: counted in the totals, then forgotten

    def already_counted(self, call: CallRow) -> bool:
        """A call summed into the totals without being kept (settled at load, or evicted)."""
        if call.status != "done" or call.wait_end_at is None:
            return False
        settled = self.settled
        if (
            settled is not None
            and call.id <= settled.max_call_id
            and is_settled(call, self.day_start, settled.before)
        ):
            return True
        index = call.id >> 3
        return index < len(self._evicted) and bool(self._evicted[index] & (1 << (call.id & 7)))

    def evict(self, before: float) -> list[CallRow]:
        """Forget the calls settled before `before` (done, their wait and talk over), and say
        which they were."""
        evicted = [call for call in self.by_id.values() if is_settled(call, -math.inf, before)]
        if evicted:
            highest = max(call.id for call in evicted)
            if highest >> 3 >= len(self._evicted):
                self._evicted.extend(bytes((highest >> 3) + 1 - len(self._evicted) + 4096))
            for call in evicted:
                self._evicted[call.id >> 3] |= 1 << (call.id & 7)
                del self.by_id[call.id]
        return evicted
