"""How a viewer's live thread waits for the ingest's next commit without polling faster.

A commit is written to the store's -wal file: a file notification (sources/wakeup.py, inotify
on Linux) wakes the thread at once, which then asks SQLite whether anything was committed
(`PRAGMA data_version`, microseconds). The commit's last write to the -wal comes a moment
before SQLite publishes it to readers (the wal-index in -shm, written through a memory map, so
no notification of its own): a wake that finds nothing new looks again a few milliseconds
later, a handful of times. The poll goes on beside it (every `poll_s`, the same data_version
question) for the ticks, and for filesystems that report nothing (NFS, some containers).

Nothing here writes: the viewer still only reads the store.
"""

from __future__ import annotations

import threading
from pathlib import Path

from floorwatch.sources.wakeup import DirectoryWakeup


class CommitNotice:
    """Waits on `wake` (set by a file change in the store's folder, or by the viewer itself)
    for at most `poll_s`, sooner while a wake is settling or a draw is due."""

    #: After a wake that found no new commit, look again after these many seconds, in turn.
    SETTLE_S = (0.002, 0.005, 0.01, 0.02, 0.05)

    def __init__(self, db_path: Path, wake: threading.Event, *, watch: bool = True):
        self.db_path = db_path
        self.wake = wake
        self.watch = watch
        self._wakeup: DirectoryWakeup | None = None
        self._woken = False
        self._settle: int | None = None

    def start(self) -> None:
        """Watch the store's -wal and file (a replaced store is a file event too); where no
        notification can be had, the poll alone goes on."""
        if not self.watch or (self._wakeup is not None and self._wakeup.active):
            return
        name = self.db_path.name
        self._wakeup = DirectoryWakeup(self.db_path.parent, self.wake, {name, f"{name}-wal"})

    @property
    def watching(self) -> bool:
        return self._wakeup is not None and self._wakeup.active

    def looked(self, changed: bool) -> None:
        """After looking at the store: a wake that found nothing new settles (looks again
        soon); a change, or a wake by the poll, ends it."""
        if changed or (not self._woken and self._settle is None):
            self._settle = None
            return
        step = 0 if self._settle is None else self._settle + 1
        self._settle = step if step < len(self.SETTLE_S) else None

    def wait(self, poll_s: float, due_in: float | None = None) -> None:
        """Until woken, `poll_s` passed, the next settling look, or `due_in` seconds (a draw
        held back to coalesce a burst of commits)."""
        timeout = poll_s
        if self._settle is not None:
            timeout = min(timeout, self.SETTLE_S[self._settle])
        if due_in is not None:
            timeout = min(timeout, max(0.0, due_in))
        self._woken = self.wake.wait(timeout)
        self.wake.clear()

    def close(self) -> None:
        if self._wakeup is not None:
            self._wakeup.close()
            self._wakeup = None
