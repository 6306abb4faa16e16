"""What each call added to its queue's numbers, so that a change to the call adds only the
difference (or takes the old contribution back), and each queue's handle time today.

Plain Python: the ingest's burnout monitor keeps a ledger for the queues' AHT of the day (the
yardstick of the "hard calls" rule) without the viewers' per-minute windows; a viewer's model
adds those windows as a sink that hears of every addition and removal.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from floorwatch.config import Config, ServiceLevel
from floorwatch.snapshot import metrics
from floorwatch.snapshot.metrics import contribution
from floorwatch.snapshot.model.changes import Settled
from floorwatch.store.rows import CallRow


@dataclass(frozen=True, slots=True)
class ShownQueue:
    """A queue as a snapshot lists it: its row in the windows' arrays, its display name and
    its service level."""

    name: str
    index: int
    display_name: str
    level: ServiceLevel


class Queues:
    """The queues the model has met, each with a stable index (its row in the windows' arrays,
    in the order they were met) and its service level."""

    def __init__(self, config: Config):
        self.config = config
        self.names: list[str] = []
        self.index: dict[str, int] = {}
        self._levels: dict[str, ServiceLevel] = {}
        self._shown: list[ShownQueue] = []
        self._formulas: list[str] = []

    def shown(self) -> list[ShownQueue]:
        """The queues in the order a snapshot lists them (by display name), worked out again
        only when a queue is added (names and levels come from the config, which stays)."""
        if len(self._shown) != len(self.names):
            config = self.config
            self._shown = sorted(
                (
                    ShownQueue(name, q, config.queue_name(name), self.level(name))
                    for q, name in enumerate(self.names)
                ),
                key=lambda queue: queue.display_name.casefold(),
            )
            self._formulas = [self.level(name).formula for name in self.names]
        return self._shown

    def formulas(self) -> list[str]:
        """Each queue's service-level formula, in the order of the queues' indexes."""
        self.shown()
        return self._formulas

    def index_of(self, name: str) -> int:
        """The queue's index, given one if the queue is new."""
        index = self.index.get(name)
        if index is None:
            index = self.index[name] = len(self.names)
            self.names.append(name)
        return index

    def level(self, queue: str) -> ServiceLevel:
        level = self._levels.get(queue)
        if level is None:
            level = self._levels[queue] = self.config.queue_service_level(queue)
        return level

    def __len__(self) -> int:
        return len(self.names)


@dataclass(slots=True)
class Contribution:
    """What one call adds to its queue's windows, counted by the instant its wait ended."""

    queue: int
    wait_end: float
    vector: list[float]
    wait: float


class ContributionSink(Protocol):
    """Hears of every change of a contribution (the viewers' per-minute windows)."""

    def add(self, call_id: int, added: Contribution, delta: list[float]) -> None: ...

    def remove(self, call_id: int, removed: Contribution) -> None: ...


@dataclass(slots=True)
class HandledToday:
    """A queue's handled calls today and their talk and wrap-up seconds (running sums)."""

    handled: float = 0.0
    talk: float = 0.0
    wrapup: float = 0.0

    def add(self, vector: list[float], sign: float) -> None:
        # The same sums, in the same order, as the windows' numpy row of the day: equal to it.
        if sign > 0:
            self.handled += vector[metrics.HANDLED]
            self.talk += vector[metrics.TALK]
            self.wrapup += vector[metrics.WRAPUP]
        else:
            self.handled -= vector[metrics.HANDLED]
            self.talk -= vector[metrics.TALK]
            self.wrapup -= vector[metrics.WRAPUP]


class CallLedger:
    """Per call, the contribution it made; `apply` a call's new row and the ledger adds what
    changed (to its own handle sums of the day and to every sink)."""

    def __init__(self, queues: Queues, day_start: float, horizon: float):
        self.queues = queues
        self.day_start = day_start
        #: Calls whose wait ended before this count nowhere (not even in a rolling window).
        self.horizon = horizon
        self.applied: dict[int, Contribution] = {}
        self.sinks: list[ContributionSink] = []
        self._handled: dict[int, HandledToday] = {}

    def apply_settled(self, settled: Settled) -> None:
        for queue, sums in settled.queues.items():
            self._handled_of(self.queues.index_of(queue)).add(sums.vector, 1)

    def apply(self, call: CallRow, q: int) -> None:
        """Count the call's new row: the difference to its last one when only more is known
        (the talk time of a call that ended), else the old contribution out and the new in."""
        vector = None
        if call.wait_end_at is not None and call.wait_end_at >= self.horizon:
            vector = contribution(call, self.queues.level(call.queue))
        previous = self.applied.pop(call.id, None)
        wait = call.wait_s or 0.0
        if (
            previous is not None
            and vector is not None
            and previous.queue == q
            and previous.wait_end == call.wait_end_at
            and previous.wait == wait
        ):
            delta = [new - old for new, old in zip(vector, previous.vector, strict=False)]
            added = self.applied[call.id] = Contribution(q, call.wait_end_at, vector, wait)
            self._add(call.id, added, delta)
            return
        if previous is not None:
            self._remove(call.id, previous)
        if vector is not None:
            added = self.applied[call.id] = Contribution(q, call.wait_end_at, vector, wait)
            self._add(call.id, added, vector)

    def forget(self, call_ids: Iterable[int]) -> None:
        """Calls counted for good (evicted): their contributions stay in the sums."""
        for call_id in call_ids:
            self.applied.pop(call_id, None)

    def _add(self, call_id: int, added: Contribution, delta: list[float]) -> None:
        if added.wait_end >= self.day_start:
            self._handled_of(added.queue).add(delta, 1)
        for sink in self.sinks:
            sink.add(call_id, added, delta)

    def _remove(self, call_id: int, removed: Contribution) -> None:
        if removed.wait_end >= self.day_start:
            self._handled_of(removed.queue).add(removed.vector, -1)
        for sink in self.sinks:
            sink.remove(call_id, removed)

    def _handled_of(self, q: int) -> HandledToday:
        handled = self._handled.get(q)
        if handled is None:
            handled = self._handled[q] = HandledToday()
        return handled

    def queue_aht_today(self) -> dict[str, float]:
        """Each queue's AHT today (the yardstick of the "hard calls" rule): the same number as
        the snapshot's windows["today"].aht_s."""
        means = {}
        for queue, q in self.queues.index.items():
            handled = self._handled.get(q)
            if handled is not None:
                mean = metrics.mean_seconds(handled.talk + handled.wrapup, handled.handled)
                if mean:
                    means[queue] = mean
        return means
