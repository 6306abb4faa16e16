"""Follow a log file by its path, the way an operator's PBX writes and rotates it.

- Only complete lines are handed out: a line still being written (no newline yet) waits.
- Rotation by rename + create (logrotate's default): the old file is read to its end, then the
  new one from its start.
- copytruncate: a file that shrank, or whose first bytes changed, is read again from 0.
- A file that does not exist yet is waited for.
- After a restart, the checkpoint (device, inode, offset, first bytes) says where to resume;
  if the file was rotated while we were down, the old one is found by its inode beside it and
  finished first.

watchdog (inotify on Linux) wakes the reader as soon as the file changes; a poll every
`poll_interval` seconds covers filesystems where it reports nothing (NFS, some containers).
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from floorwatch.sources.base import Checkpoint

log = logging.getLogger(__name__)

#: How many leading bytes identify a file across truncation and replacement.
FINGERPRINT_BYTES = 64


@dataclass(slots=True)
class Chunk:
    """Complete lines read from one file: `data` starts at byte `start` and ends with b"\\n"."""

    data: bytes
    start: int
    checkpoint: Checkpoint
    #: Set when the chunk ends a file that was rotated away (its last line may lack "\\n").
    rotated: bool = False


class _Wakeup:
    """Sets an event whenever watchdog sees anything happen in the watched directory."""

    def __init__(self, directory: Path, event: threading.Event):
        self.observer = None
        try:
            from watchdog.events import FileSystemEventHandler
            from watchdog.observers import Observer

            class Handler(FileSystemEventHandler):
                def on_any_event(self, _event) -> None:  # type: ignore[override]
                    event.set()

            observer = Observer()
            observer.daemon = True
            observer.schedule(Handler(), str(directory), recursive=False)
            observer.start()
            self.observer = observer
        except Exception as error:  # inotify limits, odd filesystems: polling still works
            log.info("file notifications unavailable for %s (%s); polling", directory, error)

    def close(self) -> None:
        if self.observer is not None:
            self.observer.stop()
            self.observer.join(timeout=2)


def _fingerprint(handle) -> str:
    """The hex of the file's first bytes, read without moving the handle."""
    return os.pread(handle.fileno(), FINGERPRINT_BYTES, 0).hex()


class FileTail:
    """Reads complete lines from a path as it grows, rotates and gets truncated."""

    def __init__(self, path: str | Path, checkpoint: Checkpoint | None = None,
                 poll_interval: float = 0.5, watch: bool = True):  # fmt: skip
        self.path = Path(path)
        self.poll_interval = poll_interval
        self._wake = threading.Event()
        self._watcher = _Wakeup(self.path.parent, self._wake) if watch else None
        self._handle = None
        self._offset = 0  # bytes of this file already handed out
        self._identity: tuple[int, int] | None = None
        self._fingerprint: str | None = None
        self._pending_old: tuple[object, int, Checkpoint] | None = None
        self.notes: list[str] = []  # things an operator should hear about (lost tails)
        self._resume(checkpoint)

    # ----------------------------------------------------------------- opening
    def _resume(self, checkpoint: Checkpoint | None) -> None:
        if checkpoint is None or checkpoint.inode is None:
            return
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            stat = None
        if stat is not None and (stat.st_dev, stat.st_ino) == (checkpoint.device, checkpoint.inode):
            if self._open_current():
                same = self._matches(checkpoint.fingerprint)
                if same and stat.st_size >= checkpoint.offset:
                    self._offset = checkpoint.offset
                else:
                    self.notes.append(f"{self.path}: truncated while stopped; reading it again")
            return
        # Rotated while we were down: finish the old file if it is still beside the new one.
        old = self._find_by_inode(checkpoint.device, checkpoint.inode)
        if old is not None:
            handle = open(old, "rb")
            if os.fstat(handle.fileno()).st_size > checkpoint.offset:
                handle.seek(checkpoint.offset)
                self._pending_old = (handle, checkpoint.offset, checkpoint)
            else:
                handle.close()
        else:
            self.notes.append(
                f"{self.path}: the file read before the restart is gone; lines written to it "
                f"after byte {checkpoint.offset} could not be read"
            )

    def _find_by_inode(self, device: int | None, inode: int) -> Path | None:
        try:
            candidates = list(self.path.parent.iterdir())
        except OSError:
            return None
        for candidate in candidates:
            try:
                stat = candidate.stat()
            except OSError:
                continue
            if (stat.st_dev, stat.st_ino) == (device, inode) and candidate.is_file():
                return candidate
        return None

    def _open_current(self) -> bool:
        try:
            handle = open(self.path, "rb")
        except FileNotFoundError:
            return False
        stat = os.fstat(handle.fileno())
        self._handle = handle
        self._identity = (stat.st_dev, stat.st_ino)
        self._offset = 0
        self._fingerprint = None
        return True

    def _matches(self, fingerprint: str | None) -> bool:
        """Whether the open file still starts with the bytes it started with."""
        if not fingerprint:
            return True
        current = _fingerprint(self._handle)
        shorter = min(len(current), len(fingerprint))
        return current[:shorter] == fingerprint[:shorter] and len(current) >= len(fingerprint)

    # ----------------------------------------------------------------- reading
    @property
    def exists(self) -> bool:
        return self._handle is not None or self.path.exists()

    def checkpoint(self) -> Checkpoint:
        identity = self._identity or (None, None)
        return Checkpoint(str(self.path), identity[0], identity[1], self._offset,
                          self._fingerprint)  # fmt: skip

    def read(self, max_bytes: int = 4 << 20) -> Chunk | None:
        """The next complete lines (at most about max_bytes), or None when there are none."""
        if self._pending_old is not None:
            return self._read_old(max_bytes)
        if self._handle is None and not self._open_current():
            return None
        handle = self._handle
        size = os.fstat(handle.fileno()).st_size
        if size < self._offset or not self._matches(self._fingerprint):
            log.info("%s was truncated or replaced in place; reading it from the start", self.path)
            self._offset = 0
            self._fingerprint = None
        if size > self._offset:
            chunk = self._read_lines(handle, self._offset, min(size, self._offset + max_bytes))
            if chunk is not None:
                return chunk
        # Nothing complete here: has the path moved on to a new file (rename + create)?
        if self._rotated():
            old_offset = self._offset
            tail = self._read_to_end(handle, old_offset)
            handle.close()
            self._handle, self._identity, self._offset, self._fingerprint = None, None, 0, None
            self._open_current()
            if tail:
                return Chunk(tail, old_offset, self.checkpoint(), rotated=True)
            return self.read(max_bytes)
        return None

    def _rotated(self) -> bool:
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            return False  # moved away and not yet recreated: keep the old one until it is
        return (stat.st_dev, stat.st_ino) != self._identity

    def _read_lines(self, handle, start: int, stop: int) -> Chunk | None:
        data = os.pread(handle.fileno(), stop - start, start)
        end = data.rfind(b"\n")
        if end < 0:
            if stop - start >= 1 << 24:  # a 16 MiB "line": hand it out rather than stall
                end = len(data) - 1
            else:
                return None
        data = data[: end + 1]
        self._offset = start + len(data)
        if self._fingerprint is None or len(self._fingerprint) < 2 * FINGERPRINT_BYTES:
            self._fingerprint = _fingerprint(handle)
        return Chunk(data, start, self.checkpoint())

    @staticmethod
    def _read_to_end(handle, start: int) -> bytes:
        handle.seek(start)
        data = handle.read()
        return data if data.endswith(b"\n") or not data else data + b"\n"

    def _read_old(self, max_bytes: int) -> Chunk | None:
        handle, offset, old = self._pending_old
        data = handle.read(max_bytes)
        if len(data) == max_bytes and b"\n" in data:
            keep = data.rfind(b"\n") + 1
            handle.seek(offset + keep)
            data = data[:keep]
        else:
            data += handle.read()
            if data and not data.endswith(b"\n"):
                data += b"\n"
            handle.close()
            self._pending_old = None
        start = offset
        checkpoint = Checkpoint(old.path, old.device, old.inode, offset + len(data), old.fingerprint)
        if self._pending_old is not None:
            self._pending_old = (handle, offset + len(data), old)
        if not data:
            return self.read(max_bytes)
        return Chunk(data, start, checkpoint, rotated=self._pending_old is None)

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
        if self._handle is not None:
            self._handle.close()
            self._handle = None
        if self._pending_old is not None:
            self._pending_old[0].close()
            self._pending_old = None
