"""Each queue's last hour in 5-minute steps: callers waiting at each step's end and each step's
service level (the floor's sparklines). Recomputed once a minute: it moves slowly."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from floorwatch.snapshot.floor_snapshot import TREND_POINTS, TREND_STEP_S
from floorwatch.snapshot.metrics import VECTOR_SIZE, WindowStats
from floorwatch.snapshot.model.kept_calls import KeptCalls
from floorwatch.snapshot.model.ledger import CallLedger


@dataclass(slots=True)
class QueueTrend:
    waiting: list[int]
    service_level: list[float | None]


@dataclass(slots=True)
class TrendsAt:
    """The trends computed for one minute."""

    minute: int = -1
    by_queue: dict[str, QueueTrend] = field(default_factory=dict)


class Trends:
    def __init__(self, calls: KeptCalls, ledger: CallLedger):
        self.calls = calls
        self.ledger = ledger
        self._last = TrendsAt()

    def forget(self) -> None:
        """The floor moved other than by time running on (a rewind stepped it): the next
        look computes again, even within the same minute."""
        self._last = TrendsAt()

    def at(self, now: float) -> dict[str, QueueTrend]:
        """Per queue, the last hour up to `now` (the same answer for the whole minute)."""
        minute = int(now // 60)
        if self._last.minute == minute:
            return self._last.by_queue
        queues = self.ledger.queues
        applied = self.ledger.applied
        ends = now - TREND_STEP_S * np.arange(TREND_POINTS - 1, -1, -1)
        start = float(ends[0]) - TREND_STEP_S
        count = len(queues)
        steps = np.zeros((count, TREND_POINTS, VECTOR_SIZE))
        entered: list[list[float]] = [[] for _ in range(count)]
        ended: list[list[float]] = [[] for _ in range(count)]
        # Each step's sums, gathered for one numpy call (a numpy add per call costs more than
        # the rest of the loop on a floor of thousands of calls).
        rows: list[int] = []
        slots: list[int] = []
        vectors: list[list[float]] = []
        for call in self.calls.by_id.values():
            wait_end = call.wait_end_at
            if wait_end is not None and wait_end < start:
                continue
            q = queues.index[call.queue]
            entered[q].append(call.enqueued_at)
            ended[q].append(math.inf if wait_end is None else wait_end)
            added = applied.get(call.id)
            if added is not None and wait_end is not None and wait_end < now:
                rows.append(q)
                slots.append(min(TREND_POINTS - 1, int((wait_end - start) // TREND_STEP_S)))
                vectors.append(added.vector)
        if rows:
            np.add.at(steps, (np.array(rows), np.array(slots)), np.array(vectors, dtype=float))
        result: dict[str, QueueTrend] = {}
        for queue, q in queues.index.items():
            starts, stops = np.array(entered[q]), np.array(ended[q])
            waiting = ((starts[:, None] <= ends) & (stops[:, None] > ends)).sum(axis=0)
            formula = queues.level(queue).formula
            levels = [
                WindowStats.from_vector(steps[q, i], None, formula).service_level
                for i in range(TREND_POINTS)
            ]
            result[queue] = QueueTrend([int(n) for n in waiting], levels)
        self._last = TrendsAt(minute, result)
        return result
