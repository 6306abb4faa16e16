"""A viewer's second read-only link to the store, for the questions it asks about the past: the
floor as it was at an earlier instant (the rewind), and the calls a number counted (explain).

The floor at an instant is built exactly as `floorwatch snapshot --at` builds it (FloorReader
with `at`: today's rows clipped to that instant, snapshot/model/changes.py), so a rewound
dashboard and the one-shot command show the same numbers. It has a connection of its own, so
the live link (live.py) goes on following the store in its thread while the past is read in
another; it is used from one worker at a time and never writes.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from pathlib import Path

from floorwatch.config import Config
from floorwatch.snapshot.burnout import Flag
from floorwatch.snapshot.live import FloorUpdate
from floorwatch.snapshot.model.changes import clip_call, clip_interval
from floorwatch.snapshot.past_floor import PastFloor
from floorwatch.snapshot.quality_reader import QualityCache
from floorwatch.snapshot.reader import load_agent_day, load_flags
from floorwatch.store.reading import ReadOnlyStore
from floorwatch.store.rows import CallRow, IntervalRow
from floorwatch.store.schema import PAUSES


@dataclass
class ShiftRecord:
    """What a shift handover is written from (reports/handover.py): its calls, the burnout
    flags raised in it, and its pauses, each as they stood at its end."""

    start: float
    end: float
    calls: list[CallRow]
    flags: list[Flag]
    pauses: list[IntervalRow]


class Lookback:
    """The past of one store, read on demand (opened on the first question).

    The floor at an instant comes from a PastFloor (snapshot/past_floor.py): the one shown
    last when the instant is a little after it (a step forward), else the spare one built a
    step further back (`prepare`, after each answer, its first snapshot taken then; `warm`,
    a step behind live while someone presses keys), else one built for the instant. So a step
    back, once the spare is there, costs a step and a snapshot, not a whole floor.
    """

    def __init__(self, db_path: str | Path, config: Config):
        self.db_path = Path(db_path)
        self.config = config
        self._store: ReadOnlyStore | None = None
        #: The day's FCR and CSAT, read once and counted at each instant (every past floor's).
        self._quality: QualityCache | None = None
        self._shown: PastFloor | None = None
        self._spare: PastFloor | None = None
        #: Floors let go of while answering, freed after the answer (`prepare`): freeing a
        #: floor of thousands of agents takes a while, the answer should not wait for it.
        self._retired: list[PastFloor] = []
        #: One question at a time (the rewind's, explain's and the handover's workers).
        self._lock = threading.Lock()

    def _open(self) -> ReadOnlyStore:
        if self._store is None:
            self._store = ReadOnlyStore.open_readonly(self.db_path)
            self._quality = QualityCache(self._store, self.config)
        return self._store

    def _past(self, store: ReadOnlyStore, at: float) -> PastFloor:
        return PastFloor(store, self.config, at, self._quality)

    def close(self) -> None:
        self._shown = self._spare = None
        self._quality = None
        if self._store is not None:
            self._store.close()
            self._store = None

    def release(self) -> None:
        """Let go of the past floors kept for stepping (back to live for a while); call it
        from a worker (freeing a floor takes a while), it waits for a question under way."""
        with self._lock:
            self._shown = self._spare = None
            self._retired.clear()
            if self._store is not None:
                self._quality = QualityCache(self._store, self.config)

    def _asking(self, question):
        """Run `question(store)`; a store that failed is closed, so the next one reopens it."""
        with self._lock:
            try:
                return question(self._open())
            except Exception:
                self.close()
                raise

    def floor_at(self, at: float, focus: str | None = None) -> FloorUpdate:
        """The floor as it was at `at` (as `snapshot --at` computes it), with the day of the
        agent looked at (`focus`) up to that instant."""

        def read(store: ReadOnlyStore) -> FloorUpdate:
            past = self._floor_for(store, at)
            snapshot = past.reader.snapshot(at, details=[focus] if focus else None)
            day = load_agent_day(store, focus, snapshot.day_start, at) if focus else None
            return FloorUpdate(snapshot, day)

        return self._asking(read)

    def _floor_for(self, store: ReadOnlyStore, at: float) -> PastFloor:
        shown, spare = self._shown, self._spare
        if shown is not None and shown.can_reach(at):
            past = shown
        elif spare is not None and spare.can_reach(at):
            past, self._spare = spare, None
        else:
            past = self._past(store, at)
        if past.at != at:
            past.step_to(store, at)
        if shown is not None and shown is not past:
            self._retired.append(shown)
        self._shown = past
        return past

    def prepare(self, at: float) -> None:
        """Build the spare floor a few minutes before `at` unless one that reaches the step
        before `at` is there (call after showing `at`, in the same worker)."""

        def build(store: ReadOnlyStore) -> None:
            self._retired.clear()
            spare = self._spare
            wanted = at - self.config.display.rewind_step_s
            if spare is None or not spare.can_reach(wanted):
                spare = self._past(store, wanted)
                spare.reader.snapshot(wanted, details=None)  # its costly first look, now
                self._spare = spare

        self._asking(build)

    def ready_for(self, at: float, slack_s: float) -> bool:
        """Whether a spare floor is there from which `at` is at most `slack_s` forward."""
        spare = self._spare
        return spare is not None and spare.at <= at <= spare.at + slack_s and spare.can_reach(at)

    def warm(self, at: float) -> None:
        """Have the spare floor at `at` (a step behind live, while someone uses the viewer):
        stepped up from the one there if it can be, else built, its first snapshot taken, so
        the first step back from live steps a little instead of building a floor."""

        def build(store: ReadOnlyStore) -> None:
            self._retired.clear()
            spare = self._spare
            if spare is not None and spare.can_reach(at):
                spare.step_to(store, at)
            else:
                spare = self._past(store, at)
            spare.reader.snapshot(at, details=None)
            self._spare = spare

        self._asking(build)

    def calls_counted(self, start: float, at: float) -> list[CallRow]:
        """The calls whose wait ended from `start` to `at` (both included, as the windows count
        them), as they stood at `at`, in the order their wait ended."""

        def read(store: ReadOnlyStore) -> list[CallRow]:
            with store.queries.read_transaction():
                rows = store.queries.calls_with_outcome(start, math.nextafter(at, math.inf))
            clipped = [call for call in (clip_call(row, at) for row in rows) if call is not None]
            return sorted(
                (call for call in clipped if call.outcome is not None),
                key=lambda call: (call.wait_end_at or 0.0, call.id),
            )

        return self._asking(read)

    def shift(self, start: float, end: float) -> ShiftRecord:
        """The calls, flags raised and pauses from `start` to `end`, as they stood at `end`."""
        calls = self.calls_counted(start, end)

        def read(store: ReadOnlyStore) -> ShiftRecord:
            with store.queries.read_transaction():
                flags = [
                    flag
                    for flag in load_flags(store, None, start)
                    if start <= flag.raised_at <= end
                ]
                pauses = store.queries.intervals_overlapping(PAUSES, start, end)
            clipped = [p for p in (clip_interval(pause, end) for pause in pauses) if p]
            return ShiftRecord(start, end, calls, flags, clipped)

        return self._asking(read)
