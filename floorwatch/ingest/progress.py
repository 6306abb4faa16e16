"""A progress bar for long loads (rich, which Textual already brings), silent when disabled."""

from __future__ import annotations

import threading
from typing import Any

from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)


class IngestProgress:
    """Bytes read per source; safe to update from the sources' threads."""

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self._lock = threading.Lock()
        self._tasks: dict[str, TaskID] = {}
        self._progress = (
            Progress(
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                DownloadColumn(),
                TransferSpeedColumn(),
                TimeRemainingColumn(),
                transient=False,
            )
            if enabled
            else None
        )

    def add(self, name: str, total: int) -> None:
        if self._progress is not None:
            with self._lock:
                self._tasks[name] = self._progress.add_task(name, total=total or None)

    def update(self, name: str, done: int, total: int) -> None:
        if self._progress is not None and name in self._tasks:
            with self._lock:
                self._progress.update(self._tasks[name], completed=done, total=total or None)

    def __enter__(self) -> IngestProgress:
        if self._progress is not None:
            self._progress.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._progress is not None:
            self._progress.stop()
