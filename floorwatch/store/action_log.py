"""The audit of supervisor actions: one `actions` row per request the control socket took,
done, failed or refused (schema.ACTIONS says what each column holds).

The ingest writes it from its control server's thread on a connection of its own, beside the
writer process's commits (SQLite serialises the two; an audit row is small and never waits on a
feed). It is written before the reply goes back, so a supervisor who was told "done" or "no"
finds the row.
"""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

from floorwatch.store.faults import StoreError, sqlite_fault
from floorwatch.store.opening import connect
from floorwatch.store.schema import ACTIONS


@dataclass(frozen=True, slots=True)
class ActionRecord:
    """A row to write (ids and nothing else are the database's)."""

    at: float
    user: str
    uid: int | None
    pid: int | None
    action: str
    agent: str | None
    queue: str | None
    reason: str | None
    penalty: int | None
    extension: str | None
    source: str | None
    ami_action: str | None
    outcome: str
    answer: str | None


class ActionLog:
    """Appends audit rows to a store the caller already holds as its writer."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        try:
            self._conn = connect(self.path, readonly=False)
        except sqlite3.Error as error:
            raise StoreError(sqlite_fault(self.path, error, "open")) from None
        self._lock = threading.Lock()
        names = ACTIONS.without("id")
        columns = ", ".join(f'"{name}"' for name in names)
        self._insert = (
            f"INSERT INTO {ACTIONS.name} ({columns}) VALUES ({', '.join('?' * len(names))})"
        )
        self._names = names

    def record(self, row: ActionRecord) -> int:
        """Write one row; its id. StoreError (one line) if the store cannot take it."""
        values = tuple(getattr(row, name) for name in self._names)
        with self._lock:
            try:
                cursor = self._conn.execute(self._insert, values)
            except sqlite3.Error as error:
                raise StoreError(sqlite_fault(self.path, error, "write")) from None
            return int(cursor.lastrowid or 0)

    def close(self) -> None:
        with self._lock:
            self._conn.close()
