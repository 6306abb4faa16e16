"""A feed of one record per line (queue_log, JSON Lines) from a followed file or stdin.

The format only supplies `parse(line, source) -> Event`; reading, rotation, rejects with their
byte offsets and checkpoints are the same for every line format and live here.
"""

from __future__ import annotations

import functools
import itertools
import os
import sys
import threading
from collections.abc import Callable
from pathlib import Path

from floorwatch.events import Event, EventError
from floorwatch.sources.base import Batch, Checkpoint, Emit, Reject, SourceError
from floorwatch.sources.tail import FileTail

Parse = Callable[[str, str], Event]
Progress = Callable[[str, int, int], None]

#: A reject keeps at most this much of its line.
MAX_REJECT_TEXT = 2000


def parse_lines(data: bytes, start: int, parse: Parse, source: str,
                ) -> tuple[list[Event], list[Reject], list[str] | None]:  # fmt: skip
    """Parse a run of complete lines that begins at byte `start` of its file.

    Returns the events, the rejects, and the lines themselves when every one of them became
    one event as it stands (see `Batch.lines`).
    """
    lines = data.decode("utf-8", "replace").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    try:
        # The common case, every line an event: no Python loop of our own around the parse.
        return list(map(parse, lines, itertools.repeat(source, len(lines)))), [], lines
    except EventError:
        pass
    events: list[Event] = []
    append = events.append
    failed: list[tuple[int, str, str]] = []
    clean = True
    for index, line in enumerate(lines):
        try:
            append(parse(line, source))
        except EventError as error:
            clean = False
            if line.endswith("\r"):
                try:
                    append(parse(line[:-1], source))
                    continue
                except EventError:
                    pass
            if line.strip():
                failed.append((index, line, str(error)))
    if not failed:
        return events, [], lines if clean else None
    # Byte offsets of the rejected lines (rare: worked out only when needed).
    offsets = [start]
    for raw in data.split(b"\n"):
        offsets.append(offsets[-1] + len(raw) + 1)
    return events, [
        Reject(offsets[index], line[:MAX_REJECT_TEXT], reason) for index, line, reason in failed
    ], None


class LineFeed:
    """Follows (or reads once) a file of lines, or standard input when the path is `-`."""

    def __init__(self, name: str, format: str, path: str, parse: Parse, *, follow: bool = True,
                 poll_interval: float = 0.5, progress: Progress | None = None):  # fmt: skip
        self.name = name
        self.kind = format
        self.format = format
        self.path = path
        self.parse = parse
        self.follow = follow
        self.poll_interval = poll_interval
        self.progress = progress
        self._tail: FileTail | None = None
        #: Bytes read per batch: about 3,300 queue_log lines. The ingest derives from a batch
        #: right after parsing it, and a batch this size is still in the CPU's cache then (A/B,
        #: 1M events: 6% faster than 512 KiB); much smaller, and the reading thread's turns at
        #: the GIL cost more than that (64 KiB: 30% slower).
        self.chunk_bytes = 1 << 18

    def check(self) -> None:
        """Fail early, in one line, for a path that cannot work."""
        if self.path == "-":
            return
        path = Path(self.path)
        if path.is_dir():
            raise SourceError(f"{path}: is a directory")
        if not path.parent.is_dir():
            raise SourceError(f"{path.parent}: no such directory")
        if path.exists():
            if not os.access(path, os.R_OK):
                raise SourceError(f"{path}: permission denied")
        elif not self.follow:
            raise SourceError(f"{path}: no such file")

    def size(self) -> int:
        try:
            return Path(self.path).stat().st_size if self.path != "-" else 0
        except OSError:
            return 0

    def run(self, emit: Emit, stop: threading.Event, checkpoint: Checkpoint | None) -> None:
        self.check()
        if self.path == "-":
            self._run_stdin(emit, stop)
            return
        tail = self._tail = FileTail(self.path, checkpoint, self.poll_interval, watch=self.follow)
        try:
            for note in tail.notes:
                emit(Batch(self.name, self.format, status="following", status_detail=note))
            waiting = False
            done = 0
            while not stop.is_set():
                chunk = tail.read(self.chunk_bytes)
                if chunk is None:
                    if not self.follow:
                        return
                    if not tail.exists and not waiting:
                        waiting = True
                        emit(Batch(self.name, self.format, status="waiting",
                                   status_detail=f"waiting for {self.path} to appear"))  # fmt: skip
                    tail.wait()
                    continue
                if waiting:
                    waiting = False
                # Parsed by the taker (Batch.parsed), in the thread that derives from it.
                emit(Batch(self.name, self.format, checkpoint=chunk.checkpoint,
                           status="following" if self.follow else "loading",
                           pending=functools.partial(parse_lines, chunk.data, chunk.start,
                                                     self.parse, self.name)))  # fmt: skip
                done += len(chunk.data)
                if self.progress is not None:
                    self.progress(self.name, done, self.size())
        finally:
            tail.close()

    def _run_stdin(self, emit: Emit, stop: threading.Event) -> None:
        """Standard input: read to its end; there is no file to resume, so no checkpoint."""
        stream = sys.stdin.buffer
        offset = 0
        while not stop.is_set():
            read = stream.readlines(1 << 20)
            if not read:
                return
            data = b"".join(read)
            if not data.endswith(b"\n"):
                data += b"\n"
            events, rejects, lines = parse_lines(data, offset, self.parse, self.name)
            offset += len(data)
            emit(Batch(self.name, self.format, events, rejects, Checkpoint("-", offset=offset),
                       status="reading stdin", lines=lines))  # fmt: skip

    def wake(self) -> None:
        if self._tail is not None:
            self._tail.wake()
