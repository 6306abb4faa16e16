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
from dataclasses import dataclass
from pathlib import Path

from floorwatch.config import Config
from floorwatch.snapshot.burnout import Flag
from floorwatch.snapshot.live import FloorUpdate
from floorwatch.snapshot.model.changes import clip_call, clip_interval
from floorwatch.snapshot.reader import FloorReader, load_agent_day, load_flags
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
    """The past of one store, read on demand (opened on the first question)."""

    def __init__(self, db_path: str | Path, config: Config):
        self.db_path = Path(db_path)
        self.config = config
        self._store: ReadOnlyStore | None = None

    def _open(self) -> ReadOnlyStore:
        if self._store is None:
            self._store = ReadOnlyStore.open_readonly(self.db_path)
        return self._store

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None

    def _asking(self, question):
        """Run `question(store)`; a store that failed is closed, so the next one reopens it."""
        try:
            return question(self._open())
        except Exception:
            self.close()
            raise

    def floor_at(self, at: float, focus: str | None = None) -> FloorUpdate:
        """The floor as it was at `at` (as `snapshot --at` computes it), with the day of the
        agent looked at (`focus`) up to that instant."""

        def read(store: ReadOnlyStore) -> FloorUpdate:
            reader = FloorReader(store, self.config, at=at)
            snapshot = reader.snapshot(at, details=[focus] if focus else None)
            day = load_agent_day(store, focus, snapshot.day_start, at) if focus else None
            return FloorUpdate(snapshot, day)

        return self._asking(read)

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
