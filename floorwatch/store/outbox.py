"""The store as the publisher's outbox (ingest/publisher.py): the committed events after a
mark, in the order they were stored, and the mark itself, "published up to event id N", kept
in `meta` under `published:<stream>:<site>` so that a restart or a bus that was away resumes
where the server last acknowledged. No schema change: `meta` is a key/value table every
version has.

The mark is written on a connection of its own, in a transaction of one row: it may lag what
the server holds (a crash between the server's acknowledgement and the mark), never lead it,
and a re-publish of what it lags by is dropped by the server's duplicate window and, beyond
that, by the replica (sources/nats_source.py).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from floorwatch.events import Event
from floorwatch.store.faults import StoreError, rollback, sqlite_fault
from floorwatch.store.opening import connect
from floorwatch.store.reading import EVENT_COLUMNS, EVENTS_FROM, stored_event


def mark_key(stream: str, site: str) -> str:
    return f"published:{stream}:{site}"


class Outbox:
    """Read the events to publish and keep the published-up-to mark of one stream and site."""

    def __init__(self, path: str | Path, stream: str, site: str):
        self.path = Path(path)
        self.key = mark_key(stream, site)
        try:
            self._conn = connect(self.path, readonly=False)
        except sqlite3.Error as error:
            raise StoreError(sqlite_fault(self.path, error, "read")) from None

    def close(self) -> None:
        self._conn.close()

    def published(self) -> int:
        """The last event id the server has acknowledged (0: none yet)."""
        row = self._conn.execute("SELECT value FROM meta WHERE key = ?", (self.key,)).fetchone()
        return int(row[0]) if row and str(row[0]).isdigit() else 0

    def mark(self, event_id: int) -> None:
        """Record that the server holds every event up to `event_id`."""
        conn = self._conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (self.key, str(event_id))
            )
            conn.execute("COMMIT")
        except BaseException:
            rollback(conn)
            raise

    def last_event_id(self) -> int:
        return self._conn.execute("SELECT coalesce(max(id), 0) FROM events").fetchone()[0]

    def events_after(self, event_id: int, limit: int) -> list[tuple[int, Event]]:
        """At most `limit` committed events after `event_id`, with their ids, oldest first."""
        rows = self._conn.execute(
            f"SELECT e.id, {EVENT_COLUMNS} {EVENTS_FROM} WHERE e.id > ? ORDER BY e.id LIMIT ?",
            (event_id, limit),
        )
        return [(row[0], stored_event(*row[1:])) for row in rows]
