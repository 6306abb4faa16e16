"""Follow a log file by its path, the way an operator's PBX writes and rotates it.

- Only complete lines are handed out: a line still being written (no newline yet) waits. A
  line longer than `max_line_bytes` is not read: it becomes a reject (its offset and first
  bytes), found without holding it in memory, and reading goes on after it.
- Rotation by rename + create (logrotate's default): Asterisk keeps writing to the renamed
  file until `logger reload` makes it reopen its log, which logrotate's postrotate runs after
  `create`. So a rotated file is a generation of its own, still read (before the new one)
  until it has been quiet for `rotation_grace` seconds after the new file appeared. Two
  rotations between two looks: the file in the middle is found beside the others by its
  inode (a file we do not know, changed after the rotated one was last seen at the path).
- copytruncate: a file that shrank, or whose first bytes changed, is read again from 0; the
  copy logrotate made is found beside it by its first bytes, and what was not read of the
  file before it was truncated is read from the copy.
- A file that does not exist yet is waited for.
- The checkpoint (device, inode, offset, first bytes of the file, and the same for each
  rotated file still being read) says where to resume after a restart; generations rotated
  while we were down are found by inode beside the file and finished first.
- What cannot be read any more (a rotated file compressed or deleted before it was finished,
  a truncated file with no copy beside it) is said: `FeedLoss`es, on the next chunk.

watchdog (inotify on Linux) wakes the reader as soon as the directory changes; a poll every
`poll_interval` seconds covers filesystems where it reports nothing (NFS, some containers).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from floorwatch.sources.base import Checkpoint, FeedLoss, Reject
from floorwatch.sources.generations import FINGERPRINT_BYTES, Generation, Siblings
from floorwatch.sources.wakeup import DirectoryWakeup

log = logging.getLogger(__name__)

#: The longest line read (1 MiB: Asterisk writes queue_log lines of at most a few KiB; a JSON
#: Lines record is an event, not a document). A longer one is a reject, and reading goes on.
MAX_LINE_BYTES = 1 << 20
#: How long a rotated file is still read after the new one appeared and it went quiet.
ROTATION_GRACE_S = 5.0
#: How much of an over-long line its reject keeps.
REJECT_HEAD_BYTES = 4096

__all__ = ["FINGERPRINT_BYTES", "MAX_LINE_BYTES", "ROTATION_GRACE_S", "Chunk", "FileTail"]


@dataclass(slots=True)
class Chunk:
    """Complete lines read from one file: `data` starts at byte `start` and ends with b"\\n"
    (or is empty when the chunk only carries rejects, losses or a new checkpoint)."""

    data: bytes
    start: int
    checkpoint: Checkpoint
    #: Set when the chunk ends a file that was rotated away (its last line may lack "\\n").
    rotated: bool = False
    #: Lines not read (over-long), and what could not be read and never will be.
    rejects: list[Reject] = field(default_factory=list)
    losses: list[FeedLoss] = field(default_factory=list)


class FileTail:
    """Reads complete lines from a path as it grows, rotates and gets truncated."""

    def __init__(
        self,
        path: str | Path,
        checkpoint: Checkpoint | None = None,
        poll_interval: float = 0.5,
        watch: bool = True,
        *,
        rotation_grace: float = ROTATION_GRACE_S,
        max_line_bytes: int = MAX_LINE_BYTES,
        clock: Callable[[], float] = time.time,
    ):
        self.path = Path(path)
        self.poll_interval = poll_interval
        self.rotation_grace = rotation_grace
        self.max_line_bytes = max_line_bytes
        self.clock = clock
        self._wake = threading.Event()
        self._watcher = DirectoryWakeup(self.path.parent, self._wake) if watch else None
        self._siblings = Siblings(self.path)
        self._current: Generation | None = None
        self._older: list[Generation] = []  # rotated away, still read; oldest first
        self._seen_at: float | None = None  # when the current file was last seen at the path
        self._losses: list[FeedLoss] = []
        self._changed = False  # state worth a checkpoint of its own (a file finished...)
        self.notes: list[str] = []  # things an operator should hear about (lost tails)
        self._resume(checkpoint)

    # ----------------------------------------------------------------- opening
    def _resume(self, checkpoint: Checkpoint | None) -> None:
        if checkpoint is not None:
            for old in checkpoint.older:
                self._resume_older(old)
            if checkpoint.inode is not None:
                self._resume_current(checkpoint)
        # Everything else beside the file now is from before us or read already: only files
        # that appear from here on can be generations of their own.
        self._siblings.ignore_present()
        if self._current is None:
            self._open_current()

    def _resume_older(self, old: Checkpoint) -> bool:
        """Carry on reading a rotated file from the checkpoint, found again by its inode."""
        found = self._siblings.find(old.device, old.inode, old.fingerprint)
        generation = Generation.open(found, old.offset, old.fingerprint) if found else None
        if generation is None:
            self._lose(
                old.path,
                old.offset,
                "the file is gone: it was rotated away, then "
                "deleted or compressed before it was read to its end",
            )
            return False
        self._older.append(generation)
        return True

    def _resume_current(self, checkpoint: Checkpoint) -> None:
        stat = self._siblings.stat(self.path)
        if stat is not None and (stat.st_dev, stat.st_ino) == (checkpoint.device, checkpoint.inode):
            if not self._open_current():
                return
            current = self._current
            assert current is not None  # _open_current() returned True
            if current.matches(checkpoint.fingerprint) and current.size() >= checkpoint.offset:
                current.offset, current.fingerprint = checkpoint.offset, checkpoint.fingerprint
            else:
                self._truncated(checkpoint.offset, checkpoint.fingerprint, "while stopped")
            return
        # Rotated while we were down: finish the old file if it is still beside the new one,
        # then any generation rotated after it, then the new file.
        if self._resume_older(checkpoint):
            self._adopt_middle(checkpoint.seen_at)

    def _open_current(self) -> bool:
        current = Generation.open(self.path, 0, None)
        if current is None:
            return False
        self._current = current
        self._seen_at = self.clock()
        return True

    def _known(self) -> list[Generation]:
        return [*self._older, *([self._current] if self._current is not None else [])]

    def _lose(
        self, path: str | Path | None, start: int | None, reason: str, end: int | None = None
    ) -> None:
        loss = FeedLoss(str(path) if path is not None else None, start, end, reason)
        self._losses.append(loss)
        self.notes.append(f"{self.path}: {loss.describe()}")  # said by whoever runs us

    # ----------------------------------------------------------------- reading
    @property
    def exists(self) -> bool:
        return self._current is not None or self.path.exists()

    def checkpoint(self) -> Checkpoint:
        current = self._current
        checkpoint = (
            current.checkpoint(str(self.path))
            if current is not None
            else Checkpoint(str(self.path))
        )
        checkpoint.older = tuple(old.checkpoint() for old in self._older)
        checkpoint.seen_at = self._seen_at
        return checkpoint

    def partial_lines(self) -> int:
        """Files that end with a line not yet complete (no newline yet): read once it ends."""
        return sum(1 for generation in self._known() if generation.size() > generation.offset)

    def read(self, max_bytes: int = 4 << 20) -> Chunk | None:
        """The next complete lines (at most about max_bytes, or one line of up to
        max_line_bytes), or None when there are none. Rotated files come first, oldest first."""
        now = self.clock()
        self._look_at_path(now)
        for old in list(self._older):
            chunk = self._read_lines(old, max_bytes)
            if chunk is not None:
                return chunk
            if old.quiet(now, self.rotation_grace):
                return self._finish(old)
        current = self._current
        if current is not None:
            if current.size() < current.offset or not current.matches(current.fingerprint):
                self._truncated(current.offset, current.fingerprint, "while it was read")
            chunk = self._read_lines(current, max_bytes)
            if chunk is not None:
                return chunk
        if self._losses or self._changed:
            return self._chunk(current, b"", current.offset if current else 0)
        return None

    def _look_at_path(self, now: float) -> None:
        """Has the path moved on to a new file (rename + create) since we last looked?"""
        stat = self._siblings.stat(self.path)
        if stat is None:
            return  # moved away and not yet recreated: keep the old one until it is
        current = self._current
        if current is None:
            self._open_current()
            return
        if (stat.st_dev, stat.st_ino) == current.identity:
            self._seen_at = now
            return
        log.info("%s was rotated; reading the old file until it is quiet", self.path)
        current.rotated_at = now
        self._older.append(current)
        self._current = None
        self._adopt_middle(self._seen_at)
        self._open_current()

    def _adopt_middle(self, seen_at: float | None) -> None:
        """Generations rotated between two looks (or while we were down): files beside ours
        that we do not know and that changed after our file was last seen at the path."""
        if seen_at is None:
            return
        for path in self._siblings.newer_unknown(seen_at, self._known()):
            generation = Generation.open(path, 0, None)
            if generation is not None:
                log.info("%s: reading %s, rotated in between", self.path, path)
                self._older.append(generation)
                self._siblings.ignore(generation)

    def _truncated(self, offset: int, fingerprint: str | None, when: str) -> None:
        """The current file was truncated in place (copytruncate): read it again from 0, and
        what was not read of it from logrotate's copy beside it, when there is one."""
        current = self._current
        assert current is not None
        copy = self._siblings.copy_of(fingerprint, offset, self._known())
        generation = Generation.open(copy, offset, fingerprint) if copy is not None else None
        if generation is not None:
            log.info("%s was truncated %s; reading the rest of it from %s", self.path, when, copy)
            self._older.append(generation)
            self._siblings.ignore(generation)
        elif offset:
            self._lose(
                self.path,
                offset,
                f"it was truncated in place {when} (copytruncate) "
                "and no copy of it was found beside it: lines written after that byte "
                "before the truncation, if any, were not read",
            )
        else:
            log.info("%s was truncated or replaced in place; reading it from the start", self.path)
        current.offset, current.fingerprint, current.scanned = 0, None, 0
        self._changed = True

    def _read_lines(self, generation: Generation, max_bytes: int) -> Chunk | None:
        size = generation.size()
        start = generation.offset
        if size <= start:
            return None
        if generation.scanned:  # inside a line too long to read: look for its end
            return self._skip_long_line(generation, size)
        data = generation.pread(min(max_bytes, size - start), start)
        end = data.rfind(b"\n")
        if end < 0 and len(data) < min(size - start, self.max_line_bytes + 1):
            # One line longer than a batch: read up to the longest line there can be.
            data = generation.pread(min(size - start, self.max_line_bytes + 1), start)
            end = data.find(b"\n")
        if end < 0:
            if size - start > self.max_line_bytes:
                generation.scanned = len(data)
                return self._skip_long_line(generation, size)
            return None  # a line still being written
        data = data[: end + 1]
        generation.offset = start + len(data)
        generation.take_fingerprint()
        return self._chunk(generation, data, start)

    def _skip_long_line(self, generation: Generation, size: int) -> Chunk | None:
        """Scan for the end of an over-long line, a block at a time, never holding it."""
        start = generation.offset
        position = start + generation.scanned
        while position < size:
            block = generation.pread(min(1 << 20, size - position), position)
            newline = block.find(b"\n")
            if newline >= 0:
                return self._long_line_rejected(generation, position + newline + 1)
            position += len(block)
        generation.scanned = position - start
        return None  # its end is not written yet

    def _long_line_rejected(self, generation: Generation, end: int) -> Chunk:
        start = generation.offset
        head = generation.pread(REJECT_HEAD_BYTES, start)
        length = end - start - 1
        reject = Reject(
            start,
            head.decode("utf-8", "backslashreplace")[:2000],
            f"line too long: {length:,} bytes (at most {self.max_line_bytes:,} are read); not read",
            head,
        )
        generation.offset, generation.scanned = end, 0
        generation.take_fingerprint()
        chunk = self._chunk(generation, b"", start)
        chunk.rejects.append(reject)
        return chunk

    def _finish(self, generation: Generation) -> Chunk | None:
        """A rotated file gone quiet: its last line (if it lacks a newline) is handed out as
        it is, and it is closed."""
        start = generation.offset
        size = generation.size()
        self._older.remove(generation)
        self._siblings.ignore(generation)
        self._changed = True
        if size - start > self.max_line_bytes:
            chunk = self._long_line_rejected(generation, size + 1)
        else:
            data = generation.pread(size - start, start) if size > start else b""
            generation.offset = start + len(data)
            chunk = self._chunk(generation, data + b"\n" if data else b"", start)
        generation.close()
        chunk.rotated = True
        return chunk

    def _chunk(self, generation: Generation | None, data: bytes, start: int) -> Chunk:
        """A chunk with the whole tail's checkpoint after it, and any losses still unsaid."""
        chunk = Chunk(data, start, self.checkpoint(), losses=self._losses)
        self._losses, self._changed = [], False
        return chunk

    # ----------------------------------------------------------------- waiting
    def wait(self, timeout: float | None = None) -> None:
        """Sleep until the directory changes, or the poll interval (or timeout) passes."""
        self._wake.wait(self.poll_interval if timeout is None else timeout)
        self._wake.clear()

    def wake(self) -> None:
        """Stop waiting now (used to shut down)."""
        self._wake.set()

    def close(self) -> None:
        if self._watcher is not None:
            self._watcher.close()
        for generation in self._known():
            generation.close()
        self._current, self._older = None, []
