"""The ingest: run the sources, commit what they read, in order, exactly once.

Each source runs in its own thread and hands over batches (events + checkpoint); the ingest
derives from them, several at a time, and hands each commit (events, derived rows and
checkpoints, one transaction) to its writer process (floorwatch.store.writer), deriving the next
while that one is written. A stop request (SIGINT/SIGTERM) ends the sources, commits what they
had already handed over, and returns.

A demo or a replay runs on a feed clock of its own (`feed_clock`): commits are stamped as
received by that clock, and its state is recorded in the store (store/feed_clock.py) at the
start and after every pause, speed change or jump, so every viewer of the store follows it.
An ingest on the wall clock removes such a record (a store is on one clock at a time).
"""

from __future__ import annotations

import gc
import logging
import queue
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from floorwatch.clock import FeedClock
from floorwatch.ingest.alarm_monitor import AlarmMonitor
from floorwatch.ingest.burnout_monitor import BurnoutMonitor
from floorwatch.sources.base import Batch, FeedLoss, Source, SourceError
from floorwatch.store.commit import BatchRows
from floorwatch.store.database import Store, StoreError
from floorwatch.store.faults import DATABASE_FAULTS, sqlite_fault
from floorwatch.store.feed_clock import record_feed_clock, recorded_feed_clock
from floorwatch.store.writer import WriterError, WriterProcess

log = logging.getLogger(__name__)


@dataclass
class IngestSummary:
    """What one run of the ingest did."""

    events: int
    rejects: int
    calls: int
    agents: int
    elapsed_s: float
    #: Files that end with a line not read yet (no newline yet): a later run reads it.
    partial_lines: int = 0
    #: What could not be read and never will be, per source (also in `feed_losses`).
    losses: list[tuple[str, FeedLoss]] = field(default_factory=list)

    @property
    def events_per_s(self) -> float:
        return self.events / self.elapsed_s if self.elapsed_s > 0 else 0.0


class _Done:
    """A source's thread ended; `error` says why if it failed."""

    def __init__(self, source: str, error: BaseException | None = None):
        self.source = source
        self.error = error


class Ingest:
    """Drives sources into one store until they end (`once`) or a stop is asked for."""

    #: Events gathered into one transaction at most (bounds memory as well as latency).
    MAX_EVENTS_PER_COMMIT = 20_000

    def __init__(
        self,
        store: Store,
        sources: Sequence[Source],
        on_commit: Callable[[int], None] | None = None,
        monitor: BurnoutMonitor | None = None,
        on_loss: Callable[[str, FeedLoss], None] | None = None,
        feed_clock: FeedClock | None = None,
        alarms: AlarmMonitor | None = None,
    ):
        names = [source.name for source in sources]
        if len(set(names)) != len(names):
            raise SourceError("two sources have the same name; name each one differently")
        self.store = store
        self.sources = list(sources)
        self.on_commit = on_commit
        self.monitor = monitor
        self.alarms = alarms
        self.on_loss = on_loss
        self.feed_clock = feed_clock
        self._clock_recorded: int | None = None  # FeedClock.changes when last recorded
        self._queue: queue.Queue = queue.Queue(maxsize=2)
        self.errors: list[tuple[str, BaseException]] = []
        self.losses: list[tuple[str, FeedLoss]] = []

    def run(self, stop: threading.Event) -> IngestSummary:
        """Ingest until every source has ended or `stop` is set; returns what was done."""
        started = time.perf_counter()
        store = self.store
        before = (store.count("events"), store.count("rejects"))
        # Batches are large and short-lived and hold no cycles: a full collection every few
        # thousand objects would cost more than parsing does.
        thresholds = gc.get_threshold()
        gc.set_threshold(200_000, 50, 100)
        checkpoints = {source.name: store.source(source.name) for source in self.sources}
        self._record_clock()
        threads = [
            threading.Thread(
                target=self._run_source,
                args=(source, checkpoints[source.name], stop),
                daemon=True,
                name=f"source {source.name}",
            )
            for source in self.sources
        ]
        try:
            writer = WriterProcess(store.path, (store.lock.fd,) if store.lock is not None else ())
        except WriterError as error:
            raise StoreError(str(error)) from None
        for thread in threads:
            thread.start()
        running = len(threads)
        staged: list[BatchRows] = []  # derived already, not yet handed to the writer
        staged_events = 0
        try:
            while running or staged or writer.pending:
                self._record_clock()
                try:
                    # With work in hand, only take what is there already; otherwise wait.
                    busy = bool(staged or writer.pending)
                    item = self._queue.get_nowait() if busy else self._queue.get(timeout=0.25)
                except queue.Empty:
                    if staged:
                        self._submit(writer, staged)
                        staged, staged_events = [], 0
                    elif writer.pending:
                        self._committed(writer.wait())
                    else:
                        writer.check()  # a quiet feed must not hide a writer that has gone
                        # A caller's wait grows and a feed goes quiet with no event at all.
                        self._alarms(lambda alarms: alarms.tick(store))
                    continue
                if isinstance(item, _Done):
                    running -= 1
                    if item.error is not None:
                        self.errors.append((item.source, item.error))
                        if not stop.is_set():
                            stop.set()  # a failing source ends the run; the rest is committed
                    continue
                # Derive now, while the writer writes the commit before: the events can go as
                # soon as their rows are made, so a commit holds rows, not events.
                staged.append(store.stage(item))
                staged_events += len(item.events)  # parsed by now
                for loss in item.losses:
                    self.losses.append((item.source, loss))
                    if self.on_loss is not None:
                        self.on_loss(item.source, loss)
                if staged_events >= self.MAX_EVENTS_PER_COMMIT:
                    self._submit(writer, staged)
                    staged, staged_events = [], 0
            writer.close()  # before the evaluation below, so the two never add up in memory
            if self.monitor is not None and not self.errors:
                self._monitor(lambda: self.monitor.run(store))  # the floor as the load ends
            if not self.errors:
                self._alarms(lambda alarms: alarms.run(store))
        except WriterError as error:
            store.reload()  # memory had run ahead of what the database could take
            raise StoreError(str(error)) from None
        except BaseException:
            while writer.pending:  # what was handed over is written; memory then matches it
                try:
                    writer.wait()
                except WriterError:
                    break
            store.reload()
            raise
        finally:
            stop.set()
            for source in self.sources:
                wake = getattr(source, "wake", None)
                if wake is not None:
                    wake()
            writer.close()
            for thread in threads:
                thread.join(timeout=5)
            gc.set_threshold(*thresholds)
        return IngestSummary(
            events=store.count("events") - before[0],
            rejects=store.count("rejects") - before[1],
            calls=store.count("calls"),
            agents=store.count("agents"),
            elapsed_s=time.perf_counter() - started,
            partial_lines=sum(getattr(source, "partial_lines", 0) for source in self.sources),
            losses=list(self.losses),
        )

    def _submit(self, writer: WriterProcess, staged: list[BatchRows]) -> None:
        """Hand the staged batches to the writer as one commit, once the last one is in."""
        commit = self.store.commit_of(staged)
        if self.feed_clock is not None:
            commit.received_at = self.feed_clock.now()
        while writer.pending >= writer.IN_FLIGHT:
            self._committed(writer.wait())
        writer.submit(commit)

    def _record_clock(self) -> None:
        """Record the feed clock in the store when it is new or has changed (a wall-clock
        ingest: remove a feed clock left by a demo or a replay, once)."""
        clock = self.feed_clock
        if clock is None:
            if self._clock_recorded is None:
                self._clock_recorded = 0
                if recorded_feed_clock(self.store) is not None:
                    record_feed_clock(self.store, None)
            return
        changes = clock.changes
        if changes != self._clock_recorded:
            record_feed_clock(self.store, clock.state())
            self._clock_recorded = changes

    def _committed(self, seq: int) -> None:
        """A commit is in the database: tell whoever listens, and let burnout look."""
        if self.on_commit is not None:
            self.on_commit(seq)
        self._monitor(lambda: self.monitor.after_commit(self.store))
        self._alarms(lambda alarms: alarms.after_commit(self.store))

    def _alarms(self, step: Callable[[AlarmMonitor], object]) -> None:
        """Alarm evaluation must never stop the ingest either."""
        if self.alarms is None:
            return
        try:
            step(self.alarms)
        except DATABASE_FAULTS as error:
            log.warning(
                "alarm evaluation failed (%s); ingest carries on",
                sqlite_fault(self.store.path, error, "read"),
            )
        except Exception:
            log.exception("alarm evaluation failed; ingest carries on")

    def _monitor(self, step: Callable[[], object]) -> None:
        """Burnout evaluation must never stop the ingest: a failure is logged and skipped."""
        if self.monitor is None:
            return
        try:
            step()
        except DATABASE_FAULTS as error:  # the store, not a bug
            log.warning(
                "burnout evaluation failed (%s); ingest carries on",
                sqlite_fault(self.store.path, error, "read"),
            )
        except Exception:
            log.exception("burnout evaluation failed; ingest carries on")

    def _run_source(self, source: Source, row, stop: threading.Event) -> None:
        checkpoint = row.checkpoint if row is not None else None
        error: BaseException | None = None
        try:
            source.run(lambda batch: self._put(batch, stop), stop, checkpoint)
        except BaseException as failure:  # reported by the writer, in one line
            error = failure
        self._queue.put(_Done(source.name, error))

    def _put(self, batch: Batch, stop: threading.Event) -> None:
        while True:
            try:
                self._queue.put(batch, timeout=0.25)
                return
            except queue.Full:
                if stop.is_set():
                    # Shutting down with a full queue: the writer still drains it, so wait.
                    continue
