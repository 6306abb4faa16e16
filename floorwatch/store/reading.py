"""The store's read side: what every viewer opens (read-only, `mode=ro`, beside the writer).

Kept apart from store/database.py so that a viewer importing it reaches none of the write side
(the deriver, the commit writer): the import contracts check it.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self

from floorwatch.events import Event, Kind
from floorwatch.sources.base import Checkpoint
from floorwatch.store.faults import StoreError, sqlite_fault
from floorwatch.store.lock import WriterLock
from floorwatch.store.opening import check_schema, connect
from floorwatch.store.queries import StoreQueries


@dataclass
class SourceRow:
    """A source's checkpoint and health as stored."""

    name: str
    checkpoint: Checkpoint
    events: int
    rejects: int
    last_event_ts: float | None
    last_received_at: float | None
    status: str | None
    status_detail: str | None


class ReadOnlyStore:
    """A floorwatch database opened for reading (`ReadOnlyStore.open_readonly`); the writer's
    `Store` (store/database.py) adds the write side."""

    def __init__(
        self,
        conn: sqlite3.Connection,
        path: str | Path,
        readonly: bool,
        lock: WriterLock | None = None,
    ):
        self._conn = conn
        #: Every read query (store/queries.py), on this store's connection.
        self.queries = StoreQueries(conn)
        self.path = Path(path)
        self.readonly = readonly
        self.lock = lock

    @classmethod
    def open_readonly(cls, path: str | Path) -> Self:
        """Open for reading only: a viewer can never change the data."""
        path = Path(path)
        if not path.exists():
            raise StoreError(f"{path}: no such database")
        if not os.access(path, os.R_OK):
            raise StoreError(f"{path}: permission denied")
        try:
            conn = connect(path, readonly=True)
            check_schema(conn, path, readonly=True)
        except sqlite3.Error as error:
            raise StoreError(sqlite_fault(path, error, "read")) from None
        return cls(conn, path, readonly=True)

    def close(self) -> None:
        self._conn.close()
        if self.lock is not None:
            self.lock.release()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # ----------------------------------------------------------------- reading
    def seq(self) -> int:
        """The sequence number of the last committed change."""
        return self.queries.seq()

    def data_version(self) -> int:
        """Changes whenever another connection commits: a cheap 'anything new?' check."""
        return self.queries.data_version()

    def source(self, name: str) -> SourceRow | None:
        cursor = self._conn.execute(
            'SELECT name, path, device, inode, "offset", fingerprint, events, rejects, '
            "last_event_ts, last_received_at, status, status_detail, generations FROM sources "
            "WHERE name = ?",
            (name,),
        )
        row = cursor.fetchone()
        if row is None:
            return None
        row = dict(zip((column[0] for column in cursor.description), row, strict=False))
        return SourceRow(
            name=row["name"],
            checkpoint=Checkpoint.from_row(
                row["path"],
                row["device"],
                row["inode"],
                row["offset"],
                row["fingerprint"],
                row["generations"],
            ),
            events=row["events"],
            rejects=row["rejects"],
            last_event_ts=row["last_event_ts"],
            last_received_at=row["last_received_at"],
            status=row["status"],
            status_detail=row["status_detail"],
        )

    def sources(self) -> list[SourceRow]:
        names = [row[0] for row in self._conn.execute("SELECT name FROM sources ORDER BY name")]
        return [row for name in names if (row := self.source(name)) is not None]

    def count(self, table: str, where: str = "", params: Iterable[Any] = ()) -> int:
        sql = f"SELECT count(*) FROM {table}" + (f" WHERE {where}" if where else "")
        return self._conn.execute(sql, tuple(params)).fetchone()[0]

    def events(self, where: str = "", params: Iterable[Any] = ()) -> list[Event]:
        """Stored events in the order they were stored (tests, replay, audits)."""
        return read_events(self._conn, where, params)


#: The columns `stored_event` takes, in its order (`e.` is the events table, `o.` its origin).
EVENT_COLUMNS = "ts, o.name, o.format, kind, call_id, queue, agent, data"
EVENTS_FROM = "FROM events e JOIN origins o ON o.id = e.origin"


def stored_event(ts, source, format, kind, call_id, queue, agent, data) -> Event:
    """One stored event (a row of EVENT_COLUMNS) as the adapter first made it: events kept in
    their source's own form (queue_log) are read back through its parser."""
    from floorwatch.sources.queue_log import from_stored

    if format == "queue_log" and data is not None:
        return from_stored(ts, call_id, queue, agent, data, source)
    return Event(ts, source, Kind(kind), call_id, queue, agent, json.loads(data) if data else {})


def read_events(
    conn: sqlite3.Connection, where: str = "", params: Iterable[Any] = ()
) -> list[Event]:
    """Stored events (`e.` is the events table) in the order they were stored (the archive of
    `db prune` too)."""
    sql = f"SELECT {EVENT_COLUMNS} {EVENTS_FROM}"
    sql += (f" WHERE {where}" if where else "") + " ORDER BY e.id"
    return [stored_event(*row) for row in conn.execute(sql, tuple(params))]
