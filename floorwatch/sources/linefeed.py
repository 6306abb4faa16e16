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
from floorwatch.sources.tail import MAX_LINE_BYTES, ROTATION_GRACE_S, FileTail

Parse = Callable[[str, str], Event]
Progress = Callable[[str, int, int], None]

#: A reject keeps at most this much of its line.
MAX_REJECT_TEXT = 2000


def parse_lines(
    data: bytes,
    start: int,
    parse: Parse,
    source: str,
) -> tuple[list[Event], list[Reject], list[str] | None]:
    """Parse a run of complete lines that begins at byte `start` of its file.

    Returns the events, the rejects, and the lines themselves when every one of them became
    one event as it stands (see `Batch.lines`). A line that is not UTF-8 is a reject that
    keeps its bytes; nothing is replaced silently.
    """
    try:
        lines = data.decode("utf-8").split("\n")
    except UnicodeDecodeError:
        return _parse_undecodable(data, start, parse, source)
    if lines and lines[-1] == "":
        lines.pop()
    try:
        # The common case, every line an event: no Python loop of our own around the parse.
        return list(map(parse, lines, itertools.repeat(source, len(lines)))), [], lines
    except Exception:  # EventError as a rule; anything else is a parser's bug, still a reject
        pass
    events, failed, clean = _parse_each(lines, parse, source)
    if not failed:
        return events, [], lines if clean else None
    # Byte offsets of the rejected lines (rare: worked out only when needed).
    offsets = [start]
    for raw in data.split(b"\n"):
        offsets.append(offsets[-1] + len(raw) + 1)
    return (
        events,
        [Reject(offsets[index], line[:MAX_REJECT_TEXT], reason) for index, line, reason in failed],
        None,
    )


def _parse_each(
    lines: list[str],
    parse: Parse,
    source: str,
) -> tuple[list[Event], list[tuple[int, str, str]], bool]:
    """Each line on its own: the events, the failures (index, line, reason), and whether
    every line became an event as it stands."""
    events: list[Event] = []
    append = events.append
    failed: list[tuple[int, str, str]] = []
    clean = True
    for index, line in enumerate(lines):
        try:
            append(parse(line, source))
        except Exception as error:
            clean = False
            if line.endswith("\r"):
                try:
                    append(parse(line[:-1], source))
                    continue
                except Exception:
                    pass
            if line.strip():
                failed.append((index, line, _reason(error)))
    return events, failed, clean


def _reason(error: Exception) -> str:
    if isinstance(error, EventError):
        return str(error)
    return f"could not be parsed ({type(error).__name__}: {str(error)[:200]})"


def _parse_undecodable(
    data: bytes,
    start: int,
    parse: Parse,
    source: str,
) -> tuple[list[Event], list[Reject], list[str] | None]:
    """Lines of which some are not UTF-8 (rare): those are rejects with their bytes kept."""
    events: list[Event] = []
    rejects: list[Reject] = []
    offset = start
    raws = data.split(b"\n")
    if raws and raws[-1] == b"":
        raws.pop()
    for raw in raws:
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            rejects.append(
                Reject(
                    offset,
                    raw.decode("utf-8", "backslashreplace")[:MAX_REJECT_TEXT],
                    f"not UTF-8 (byte {error.start}: {raw[error.start : error.start + 1]!r}"
                    "); its bytes are kept",
                    raw,
                )
            )
        else:
            parsed, failed, _ = _parse_each([line], parse, source)
            events += parsed
            rejects += [
                Reject(offset, text[:MAX_REJECT_TEXT], reason) for _, text, reason in failed
            ]
        offset += len(raw) + 1
    return events, rejects, None


def _with_rejects(
    parsed: tuple[list[Event], list[Reject], list[str] | None], rejects: list[Reject]
) -> tuple[list[Event], list[Reject], list[str] | None]:
    events, found, lines = parsed
    return events, rejects + found, lines


class LineFeed:
    """Follows (or reads once) a file of lines, or standard input when the path is `-`."""

    def __init__(
        self,
        name: str,
        format: str,
        path: str,
        parse: Parse,
        *,
        follow: bool = True,
        poll_interval: float = 0.5,
        progress: Progress | None = None,
        rotation_grace: float = ROTATION_GRACE_S,
    ):
        self.name = name
        self.kind = format
        self.format = format
        self.path = path
        self.parse = parse
        self.follow = follow
        self.poll_interval = poll_interval
        self.progress = progress
        #: How long a rotated file is still read after the new one appeared and it went quiet.
        self.rotation_grace = rotation_grace
        self.max_line_bytes = MAX_LINE_BYTES
        self._tail: FileTail | None = None
        #: Bytes read per batch: about 3,300 queue_log lines. The ingest derives from a batch
        #: right after parsing it, and a batch this size is still in the CPU's cache then (A/B,
        #: 1M events: 6% faster than 512 KiB); much smaller, and the reading thread's turns at
        #: the GIL cost more than that (64 KiB: 30% slower).
        self.chunk_bytes = 1 << 18
        #: After a run to the end (--once): files that end with a line without its newline yet
        #: (read by a later run, once the line is complete).
        self.partial_lines = 0

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
        tail = self._tail = FileTail(
            self.path,
            checkpoint,
            self.poll_interval,
            watch=self.follow,
            rotation_grace=self.rotation_grace,
            max_line_bytes=self.max_line_bytes,
        )
        try:
            waiting = False
            done = 0
            lost: str | None = None
            while not stop.is_set():
                chunk = tail.read(self.chunk_bytes)
                if chunk is None:
                    if not self.follow:
                        self.partial_lines = tail.partial_lines()
                        return
                    if not tail.exists and not waiting:
                        waiting = True
                        emit(
                            Batch(
                                self.name,
                                self.format,
                                status="waiting",
                                status_detail=f"waiting for {self.path} to appear",
                            )
                        )
                    tail.wait()
                    continue
                if waiting:
                    waiting = False
                # Parsed by the taker (Batch.parsed), in the thread that derives from it.
                pending = functools.partial(
                    parse_lines, chunk.data, chunk.start, self.parse, self.name
                )
                if chunk.rejects:
                    pending = functools.partial(_with_rejects, pending(), chunk.rejects)
                if chunk.losses:  # feed health says it for as long as this run follows
                    lost = "; ".join(loss.describe() for loss in chunk.losses)
                emit(
                    Batch(
                        self.name,
                        self.format,
                        checkpoint=chunk.checkpoint,
                        status="following" if self.follow else "loading",
                        status_detail=lost,
                        losses=chunk.losses,
                        start=chunk.start,
                        pending=pending,
                    )
                )
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
            emit(
                Batch(
                    self.name,
                    self.format,
                    events,
                    rejects,
                    Checkpoint("-", offset=offset),
                    status="reading stdin",
                    lines=lines,
                )
            )

    def wake(self) -> None:
        if self._tail is not None:
            self._tail.wake()
