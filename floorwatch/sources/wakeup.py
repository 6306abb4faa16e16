"""Wake a thread as soon as files change in a directory (watchdog: inotify on Linux).

Used where a thread would otherwise poll: a tail waits for its log to grow, a viewer for the
ingest's next commit (a write to the store's -wal file). A notification only says "look now":
the waiter still looks for itself and keeps a slower poll for filesystems where nothing is
reported (NFS, some containers), or where the watch could not be set up (inotify limits).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Collection
from pathlib import Path

log = logging.getLogger(__name__)

#: Events that say nothing changed: a file opened, or closed unwritten (readers do both).
_NOT_CHANGES = frozenset({"opened", "closed_no_write"})


class DirectoryWakeup:
    """Sets `event` whenever watchdog sees a file in `directory` change (only the files
    named in `names`, when given). `active` says whether notifications are coming at all."""

    def __init__(
        self, directory: Path, event: threading.Event, names: Collection[str] | None = None
    ):
        self.observer = None
        wanted = frozenset(names) if names is not None else None
        try:
            from watchdog.events import FileSystemEventHandler
            from watchdog.observers import Observer

            class Handler(FileSystemEventHandler):
                def on_any_event(self, change) -> None:
                    if change.event_type in _NOT_CHANGES:
                        return
                    if wanted is None or Path(str(change.src_path)).name in wanted:
                        event.set()

            observer = Observer()
            observer.daemon = True
            observer.schedule(Handler(), str(directory), recursive=False)
            observer.start()
            self.observer = observer
        except Exception as error:  # inotify limits, odd filesystems: polling still works
            log.info("file notifications unavailable for %s (%s); polling", directory, error)

    @property
    def active(self) -> bool:
        return self.observer is not None

    def close(self) -> None:
        if self.observer is not None:
            self.observer.stop()
            self.observer.join(timeout=2)
            self.observer = None
