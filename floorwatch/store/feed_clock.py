"""The feed's clock as the store records it: one `meta` key, `feed_clock`.

A demo or a replay runs on a clock of its own (a simulated day from 10:30, a recorded day at
10x); the events carry that time and so does the ingest's "received at". The ingest records
where that clock stands (floorwatch.clock.ClockState) whenever it starts, pauses, changes
speed or jumps, so that any other viewer of the store (`dash`, `serve-web`) reads the floor at
the feed's time instead of the machine's. A store without the key is on the wall clock.
No schema change: `meta` is a key/value table every version has.
"""

from __future__ import annotations

import sqlite3

from floorwatch.clock import ClockState
from floorwatch.store.faults import rollback
from floorwatch.store.reading import ReadOnlyStore

KEY = "feed_clock"


def record_feed_clock(store: ReadOnlyStore, state: ClockState | None) -> None:
    """Record `state` as the store's feed clock (None: the wall clock, the key removed)."""
    conn = store._conn
    conn.execute("BEGIN IMMEDIATE")
    try:
        if state is None:
            conn.execute("DELETE FROM meta WHERE key = ?", (KEY,))
        else:
            conn.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (KEY, state.to_json())
            )
        conn.execute("COMMIT")
    except BaseException:
        rollback(conn)
        raise


def recorded_feed_clock(store: ReadOnlyStore) -> ClockState | None:
    """The feed clock the store records, None if it is on the wall clock (or the value is
    not one: a viewer then shows the wall clock's floor rather than failing)."""
    try:
        row = store._conn.execute("SELECT value FROM meta WHERE key = ?", (KEY,)).fetchone()
    except sqlite3.DatabaseError:
        return None
    return ClockState.from_json(row[0]) if row and isinstance(row[0], str) else None
