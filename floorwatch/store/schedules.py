"""Writing an imported schedule (`floorwatch schedule import`) into the store.

The schedule is not derived from the feed, so the ingest never writes its table: an import
writes it beside a running ingest, in one transaction of its own (SQLite serialises the two
writers; WAL readers see the old schedule or the new one, never half). An import replaces
the activities of every (agent, day) it names and leaves the other days alone.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from floorwatch.store.faults import StoreError
from floorwatch.store.opening import check_schema, connect
from floorwatch.store.schema import SCHEMA_VERSION


class Planned(Protocol):
    agent: str
    day: str
    start: float
    end: float
    activity: str


def known_agents(path: str | Path) -> set[str]:
    """The agents a store has seen (every agent the feed named)."""
    from floorwatch.store.reading import ReadOnlyStore

    with ReadOnlyStore.open_readonly(path) as store:
        return {row.name for row in store.queries.agents()}


def replace_schedule(path: str | Path, rows: Sequence[Planned]) -> int:
    """Replace the (agent, day)s of `rows` with `rows`, all at once; the number written."""
    path = Path(path)
    if not path.exists():
        raise StoreError(f"{path}: no such database; ingest a feed into it first")
    conn = connect(path, readonly=False)
    try:
        version = check_schema(conn, path, readonly=False)
        if version < SCHEMA_VERSION:  # a store no ingest has opened since the upgrade
            from floorwatch.store import schema_build

            schema_build.create_or_upgrade(conn, version)
        now = time.time()
        conn.execute("BEGIN IMMEDIATE")
        try:
            seq = int(conn.execute("SELECT value FROM meta WHERE key = 'seq'").fetchone()[0])
            conn.executemany(
                "DELETE FROM schedules WHERE agent = ? AND day = ?",
                sorted({(row.agent, row.day) for row in rows}),
            )
            conn.executemany(
                "INSERT INTO schedules (agent, day, start, end, activity, imported_at, seq) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(r.agent, r.day, r.start, r.end, r.activity, now, seq) for r in rows],
            )
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    except sqlite3.Error as error:
        raise StoreError(f"{path}: could not write the schedule ({error})") from None
    finally:
        conn.close()
    return len(rows)
