"""The archive `floorwatch db prune --archive DIR` writes: what it removes from `events`, as
canonical events (the `jsonl` source's JSON Lines, `Event.to_json`), one gzipped file per
month (`events-2026-01.jsonl.gz`, the month in the store's time zone).

Replaying a month puts those events back into any store, the same as they were:
`zcat events-2026-01.jsonl.gz | floorwatch ingest --once --db old.db jsonl:-`. A chunk's lines
are written and flushed to disk before the transaction that deletes them commits, so a prune
stopped at any point loses nothing (a chunk written and not yet deleted is written again by
the next prune: its lines are then in the file twice).
"""

from __future__ import annotations

import gzip
import os
from collections.abc import Iterable
from datetime import datetime, tzinfo
from pathlib import Path
from typing import IO

from floorwatch.events import Event
from floorwatch.store.faults import StoreError


def month_file(folder: Path, ts: float, zone: tzinfo | None) -> Path:
    """The archive file of the month an event happened in."""
    moment = datetime.fromtimestamp(ts, zone) if zone else datetime.fromtimestamp(ts)
    return folder / f"events-{moment:%Y-%m}.jsonl.gz"


def _month_bounds(ts: float, zone: tzinfo | None) -> tuple[float, float]:
    """The first instant of the month of `ts` and of the next month (local time)."""
    moment = datetime.fromtimestamp(ts, zone) if zone else datetime.fromtimestamp(ts)
    first = moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    following = first.replace(year=first.year + first.month // 12, month=first.month % 12 + 1)
    return first.timestamp(), following.timestamp()


class MonthArchive:
    """Appends events to their month's file; `flush` makes what was written durable."""

    def __init__(self, folder: Path, zone: tzinfo | None):
        self.folder = folder
        self.zone = zone
        self._open: dict[Path, tuple[IO[bytes], gzip.GzipFile]] = {}
        self.written = 0
        self._files: set[Path] = set()
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise StoreError(
                f"{folder}: cannot create the archive folder ({error.strerror})"
            ) from None

    def write(self, events: Iterable[Event]) -> None:
        lines: dict[Path, list[bytes]] = {}
        start = end = 0.0  # the month of the last event, [start, end)
        path = self.folder
        for event in events:
            if not start <= event.ts < end:
                path = month_file(self.folder, event.ts, self.zone)
                start, end = _month_bounds(event.ts, self.zone)
            lines.setdefault(path, []).append(event.to_json().encode())
        for path, chunk in lines.items():
            if path not in self._open:
                # Open across chunks (closed by `close`); a new gzip member after what earlier
                # prunes wrote.
                raw = open(path, "ab")  # noqa: SIM115
                self._open[path] = (raw, gzip.GzipFile(fileobj=raw, mode="ab", compresslevel=6))
                self._files.add(path)
            self._open[path][1].write(b"\n".join(chunk) + b"\n")
            self.written += len(chunk)

    def flush(self) -> None:
        """Everything written so far on disk (before its rows are deleted)."""
        for raw, packed in self._open.values():
            packed.flush()
            raw.flush()
            os.fsync(raw.fileno())

    def close(self) -> None:
        for raw, packed in self._open.values():
            packed.close()
            raw.close()
        self._open = {}

    @property
    def files(self) -> list[Path]:
        """Every file written to, in month order."""
        return sorted(self._files)


def read_archive(path: Path) -> list[str]:
    """The JSON lines of one archive file (tests, and a look at what a month holds)."""
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        return [line.rstrip("\n") for line in lines]
