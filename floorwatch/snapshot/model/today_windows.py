"""Each queue's numbers over today and over the rolling windows, kept as running sums (numpy).

Each call's contribution is added once to today's row of its queue and to a ring of per-minute
buckets that serve the rolling windows; a rolling window is its full minutes summed in one numpy
call plus the calls of its first, partial minute. So the cost of a window grows with the number
of queues, never with history. The windows hear of every contribution from the call ledger
(ledger.py): they are one of its sinks.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass

import numpy as np

from floorwatch.snapshot.floor_snapshot import WINDOWS
from floorwatch.snapshot.metrics import VECTOR_SIZE, WindowStats
from floorwatch.snapshot.model.changes import Settled
from floorwatch.snapshot.model.kept_calls import KeptCalls
from floorwatch.snapshot.model.ledger import Contribution, Queues

#: Minutes of per-minute buckets kept (the longest rolling window plus slack).
RING_MINUTES = 64


@dataclass(slots=True)
class WindowSums:
    """Per queue (rows in the order of Queues): the summed contribution vectors of a window,
    and the longest wait (None: no call)."""

    sums: np.ndarray
    maxes: list[float | None]


@dataclass(slots=True)
class MinuteCalls:
    """One minute's calls as arrays (for the first, partial minute of a rolling window)."""

    queues: np.ndarray
    wait_ends: np.ndarray
    waits: np.ndarray
    vectors: np.ndarray


@dataclass(slots=True)
class CachedStats:
    """A window's figures per queue and the sums they came from (each queue's computed again
    only when its sums or longest wait move)."""

    bits: np.ndarray  # the sums' bits (int64): compared bit for bit
    maxes: list[float | None]
    formulas: list[str]
    stats: list[WindowStats]


def _maxes(tops: np.ndarray) -> list[float | None]:
    """Longest waits as plain floats, None for a queue with no call (-inf)."""
    return [None if math.isinf(top) else top for top in tops.tolist()]


class TodayWindows:
    """Today's running sums per queue and the ring of per-minute buckets."""

    def __init__(self, queues: Queues, calls: KeptCalls, day_start: float):
        self.queues = queues
        self.calls = calls
        self.day_start = day_start
        self._today = np.zeros((0, VECTOR_SIZE))
        self._today_max: list[float | None] = []
        self._today_max_stale: set[int] = set()
        #: Minute slot x queue x vector (a minute's row of every queue is contiguous: a
        #: window adds whole minutes), and the longest wait per minute slot and queue.
        self._ring = np.zeros((RING_MINUTES, 0, VECTOR_SIZE))
        self._ring_max = np.full((RING_MINUTES, 0), -np.inf)
        self._ring_minute = np.full(RING_MINUTES, -1, dtype=np.int64)
        self._latest_minute = -1
        #: minute -> queue index -> call id -> what the call added in that minute
        self._ring_calls: dict[int, dict[int, dict[int, Contribution]]] = {}
        #: The same as arrays, built on demand.
        self._minute_calls: dict[int, MinuteCalls] = {}
        # Additions gathered for one numpy call (see flush), as parallel lists.
        self._pending_queues: list[int] = []
        self._pending_slots: list[int] = []
        self._pending_deltas: list[list[float]] = []
        self._pending_waits: list[float] = []
        #: Per window: each queue's figures last computed.
        self._stats: dict[str, CachedStats] = {}

    def _grow(self) -> None:
        """A row for every queue met since the last look."""
        for _ in range(len(self._today_max), len(self.queues)):
            self._today = np.vstack([self._today, np.zeros((1, VECTOR_SIZE))])
            self._today_max.append(None)
            self._ring = np.concatenate(
                [self._ring, np.zeros((RING_MINUTES, 1, VECTOR_SIZE))], axis=1
            )
            self._ring_max = np.hstack([self._ring_max, np.full((RING_MINUTES, 1), -np.inf)])

    # ----------------------------------------------------------------- adding
    def apply_settled(self, settled: Settled) -> None:
        self._grow()
        for queue, sums in settled.queues.items():
            q = self.queues.index[queue]
            self._today[q] += sums.vector
            if sums.max_wait is not None:
                current = self._today_max[q]
                self._today_max[q] = (
                    sums.max_wait if current is None else max(current, sums.max_wait)
                )

    def advance(self, minute: int) -> None:
        """Make the ring hold the RING_MINUTES minutes up to `minute` (clearing older ones)."""
        if minute <= self._latest_minute:
            return
        self._latest_minute = minute
        self.flush()
        slots = np.arange(RING_MINUTES)
        expected = minute - ((minute - slots) % RING_MINUTES)
        stale = np.nonzero(self._ring_minute != expected)[0]
        if len(stale):
            for held in self._ring_minute[stale]:
                self._ring_calls.pop(int(held), None)
                self._minute_calls.pop(int(held), None)
            self._ring[stale] = 0
            self._ring_max[stale] = -np.inf
            self._ring_minute[stale] = expected[stale]

    def add(self, call_id: int, added: Contribution, delta: list[float]) -> None:
        """A call's contribution (or what it gained: `delta`) into today and its minute."""
        q, wait_end, wait = added.queue, added.wait_end, added.wait
        if q >= len(self._today_max):
            self._grow()
        if wait_end >= self.day_start:
            self._today[q] += delta
            current = self._today_max[q]
            if current is None or wait > current:
                self._today_max[q] = wait
        minute = int(wait_end // 60)
        if minute > self._latest_minute:
            self.advance(minute)
        if minute <= self._latest_minute - RING_MINUTES:
            return
        self._pending_queues.append(q)
        self._pending_slots.append(minute % RING_MINUTES)
        self._pending_deltas.append(delta)
        self._pending_waits.append(wait)
        self._ring_calls.setdefault(minute, {}).setdefault(q, {})[call_id] = added
        self._minute_calls.pop(minute, None)

    def remove(self, call_id: int, removed: Contribution) -> None:
        """Take a call's contribution back out of today and its minute."""
        q, wait_end, vector = removed.queue, removed.wait_end, removed.vector
        if wait_end >= self.day_start:
            self._today[q] -= vector
            if self._today_max[q] is not None and removed.wait >= self._today_max[q]:
                self._today_max_stale.add(q)
        minute = int(wait_end // 60)
        bucket = self._ring_calls.get(minute, {}).get(q)
        if bucket is not None and bucket.pop(call_id, None) is not None:
            self._minute_calls.pop(minute, None)
            self.flush()
            slot = minute % RING_MINUTES
            self._ring[slot, q] -= vector
            self._ring_max[slot, q] = max((c.wait for c in bucket.values()), default=-np.inf)

    def flush(self) -> None:
        """Apply the gathered additions to the ring with one numpy call."""
        count = len(self._pending_queues)
        if not count:
            return
        queues = np.fromiter(self._pending_queues, dtype=np.int64, count=count)
        slots = np.fromiter(self._pending_slots, dtype=np.int64, count=count)
        deltas = np.array(self._pending_deltas, dtype=float)
        waits = np.fromiter(self._pending_waits, dtype=float, count=count)
        self._pending_queues, self._pending_slots = [], []
        self._pending_deltas, self._pending_waits = [], []
        np.add.at(self._ring, (slots, queues), deltas)
        np.maximum.at(self._ring_max, (slots, queues), waits)

    # ----------------------------------------------------------------- reading
    def window(self, now: float, seconds: int) -> WindowSums:
        """Each queue's sums and max wait over calls whose wait ended in [now - seconds, now]:
        the full minutes in one numpy sum, plus the calls of the first (partial) minute."""
        self._grow()
        self.flush()
        start = now - seconds
        first = int(start // 60)
        last = int(now // 60)
        minutes = self._ring_minute
        slots = np.nonzero((minutes > first) & (minutes <= last))[0]
        if len(slots):
            sums = self._ring[slots].sum(axis=0)
            tops = self._ring_max[slots].max(axis=0)
        else:
            sums = np.zeros((len(self.queues), VECTOR_SIZE))
            tops = np.full(len(self.queues), -np.inf)
        self._add_partial_minute(sums, tops, first, start, now)
        return WindowSums(sums, _maxes(tops))

    def rolling(self, now: float, names: Collection[str] | None = None) -> dict[str, WindowSums]:
        """`window` for every rolling window of WINDOWS at once (or those of `names`): the
        minutes newest first, added up once, each window read off at its first full minute.
        (Added minute by minute, as a cumulative sum would, in the same order; numpy's cumsum
        along the minutes' axis costs several times more.)"""
        self._grow()
        self.flush()
        spans = {
            name: seconds
            for name, seconds in WINDOWS.items()
            if seconds is not None and (names is None or name in names)
        }
        if not spans:
            return {}
        minutes = self._ring_minute
        last = int(now // 60)
        oldest = int((now - max(spans.values())) // 60)
        slots = np.nonzero((minutes > oldest) & (minutes <= last))[0]
        slots = slots[np.argsort(-minutes[slots])]
        newest_first = minutes[slots]
        count = len(self.queues)
        total = np.zeros((count, VECTOR_SIZE))
        top = np.full(count, -np.inf)
        added = 0
        read: dict[str, WindowSums] = {}
        for name, seconds in sorted(spans.items(), key=lambda span: span[1]):
            start = now - seconds
            first = int(start // 60)
            full = int(np.count_nonzero(newest_first > first))
            if full > added:
                for slot in slots[added:full]:
                    total += self._ring[slot]
                top = np.maximum(top, self._ring_max[slots[added:full]].max(axis=0))
                added = full
            sums, tops = total.copy(), top.copy()
            self._add_partial_minute(sums, tops, first, start, now)
            read[name] = WindowSums(sums, _maxes(tops))
        return {name: read[name] for name in spans}

    def _add_partial_minute(
        self, sums: np.ndarray, tops: np.ndarray, minute: int, start: float, now: float
    ) -> None:
        """Add the calls of a window's first minute that fall inside it (at one numpy call)."""
        arrays = self._minute_calls.get(minute)
        if arrays is None:
            rows = [
                (q, added)
                for q, bucket in self._ring_calls.get(minute, {}).items()
                for added in bucket.values()
            ]
            arrays = self._minute_calls[minute] = MinuteCalls(
                np.array([q for q, _ in rows], dtype=np.int64),
                np.array([added.wait_end for _, added in rows], dtype=float),
                np.array([added.wait for _, added in rows], dtype=float),
                np.array([added.vector for _, added in rows], dtype=float).reshape(
                    len(rows), VECTOR_SIZE
                ),
            )
        inside = (arrays.wait_ends >= start) & (arrays.wait_ends <= now)
        if inside.any():
            np.add.at(sums, arrays.queues[inside], arrays.vectors[inside])
            np.maximum.at(tops, arrays.queues[inside], arrays.waits[inside])

    def today(self) -> WindowSums:
        """Each queue's sums and longest wait since the day started."""
        self._grow()
        for q in self._today_max_stale:
            queue = self.queues.names[q]
            waits = [
                call.wait_s or 0.0
                for call in self.calls.by_id.values()
                if call.queue == queue
                and call.wait_end_at is not None
                and call.wait_end_at >= self.day_start
                and call.outcome is not None
            ]
            settled = self.calls.settled.queues.get(queue) if self.calls.settled else None
            if settled is not None and settled.max_wait is not None:
                waits.append(settled.max_wait)
            self._today_max[q] = max(waits) if waits else None
        self._today_max_stale.clear()
        return WindowSums(self._today, self._today_max)

    def stats(self, window: str, sums: WindowSums, formulas: list[str]) -> list[WindowStats]:
        """Each queue's WindowStats of a window's sums (in the order of Queues; `formulas`:
        each queue's service-level formula), the very same objects as last time for the
        queues whose sums and longest wait did not move: one numpy comparison finds the few
        that did."""
        bits = sums.sums.view(np.int64)
        cached = self._stats.get(window)
        if cached is None or cached.bits.shape != bits.shape or cached.formulas != formulas:
            stats = [self._figures(sums, q, formulas) for q in range(len(formulas))]
        else:
            changed = set(np.flatnonzero((bits != cached.bits).any(axis=1)).tolist())
            if sums.maxes != cached.maxes:
                pairs = zip(sums.maxes, cached.maxes, strict=True)
                changed.update(q for q, (new, old) in enumerate(pairs) if new != old)
            stats = list(cached.stats)
            for q in changed:
                stats[q] = self._figures(sums, q, formulas)
        self._stats[window] = CachedStats(bits.copy(), list(sums.maxes), list(formulas), stats)
        return stats

    @staticmethod
    def _figures(sums: WindowSums, q: int, formulas: list[str]) -> WindowStats:
        return WindowStats.from_vector(sums.sums[q], sums.maxes[q], formulas[q])
