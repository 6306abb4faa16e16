"""The source of `floorwatch replay FILE`: a recorded day, released at N times its speed.

The file is parsed once (queue_log or canonical JSON Lines); its events are handed to the
ingest as the replay clock passes their time, so the dashboard, whose clock is the same replay
clock, sees the floor as it was: a supervisor can watch yesterday at 10x and see what went wrong
at 14:00. The events go in the file's order, exactly as a `--once` load would store them, so the
final floor is the same. (The replay itself, its store and its keys: floorwatch/modes/replay.py.)
"""

from __future__ import annotations

import threading
from pathlib import Path

from floorwatch.clock import FeedClock
from floorwatch.events import Event
from floorwatch.sources import parser_for
from floorwatch.sources.base import Batch, Checkpoint, Emit, Reject, SourceError
from floorwatch.sources.linefeed import MAX_REJECT_TEXT, parse_lines
from floorwatch.sources.tail import MAX_LINE_BYTES, FileTail


def guess_format(path: Path) -> str:
    return "jsonl" if path.suffix in (".jsonl", ".json", ".ndjson") else "queue_log"


class ReplaySource:
    """A Source that releases a recorded file's events when the clock reaches their time."""

    def __init__(
        self,
        path: str | Path,
        clock: FeedClock,
        *,
        format: str | None = None,
        name: str | None = None,
    ):
        self.path = Path(path)
        self.format = format or guess_format(self.path)
        self.name = name or f"replay:{self.path.name}"
        self.kind = self.format
        self.clock = clock
        self.events: list[Event] = []
        self.rejects: list[Reject] = []
        self.done = threading.Event()

    def load(self) -> None:
        """Parse the whole file up front (the replay needs its first and last times)."""
        if not self.path.is_file():
            raise SourceError(f"{self.path}: no such file")
        parse = parser_for(self.format)
        # Read as the ingest reads a feed (the same rules for long lines and for bytes that
        # are not UTF-8), and a recording is complete: its last line counts without "\n".
        tail = FileTail(self.path, watch=False)
        try:
            while (chunk := tail.read(1 << 20)) is not None:
                events, rejects, _ = parse_lines(chunk.data, chunk.start, parse, self.name)
                self.events += events
                self.rejects += chunk.rejects + rejects
            end = tail.checkpoint().offset
        finally:
            tail.close()
        with self.path.open("rb") as handle:
            handle.seek(end)
            last = handle.read(MAX_LINE_BYTES + 1)
        if last.strip() and len(last) <= MAX_LINE_BYTES:
            events, rejects, _ = parse_lines(last + b"\n", end, parse, self.name)
            self.events += events
            self.rejects += rejects
        elif last.strip():
            self.rejects.append(
                Reject(
                    end,
                    last[:MAX_REJECT_TEXT].decode("utf-8", "replace"),
                    "line too long; not read",
                )
            )
        if not self.events:
            raise SourceError(f"{self.path}: no events to replay")

    @property
    def first(self) -> float:
        return min(event.ts for event in self.events)

    @property
    def last(self) -> float:
        return max(event.ts for event in self.events)

    def check(self) -> None:
        if not self.path.is_file():
            raise SourceError(f"{self.path}: no such file")

    def size(self) -> int:
        return 0

    def run(self, emit: Emit, stop: threading.Event, checkpoint: Checkpoint | None) -> None:
        """Release events as the clock passes them (in file order: a line written a little
        out of time order goes out with its neighbours, as it did live)."""
        index = 0
        events = self.events
        if self.rejects:
            emit(Batch(self.name, self.format, rejects=self.rejects, status="replaying"))
        while index < len(events) and not stop.is_set():
            now = self.clock.now()
            end = index
            while end < len(events) and events[end].ts <= now:
                end += 1
            if end > index:
                emit(Batch(self.name, self.format, events[index:end], status="replaying"))
                index = end
            else:
                stop.wait(0.05)
        if index >= len(events):
            emit(Batch(self.name, self.format, status="replayed"))
        self.done.set()

    def wake(self) -> None:
        pass
