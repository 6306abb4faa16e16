"""Inserting a commit's events: the truth, written as the rows the ingest sent.

Mixed into store/commit.py's CommitWriter, which owns the transaction. A batch arrives as its
event columns, or, when every line of a chunk became one event, as the lines themselves (the
writer builds each row with the format's `stored_row`). In a commit's careful second try a row
SQLite cannot hold becomes a reject instead of failing the commit; the truth is never altered.
"""

from __future__ import annotations

import sqlite3

from floorwatch.sources import stored_row_for
from floorwatch.store.commit_rows import MAX_REJECT_TEXT, EventColumns, EventLines
from floorwatch.store.faults import storable


class EventInsertion:
    """Writes events and looks up their origins (CommitWriter supplies `_many` and state)."""

    conn: sqlite3.Connection
    _origins: dict[str, int]
    _careful: bool
    _repairs: list[tuple[str, str, str]]

    def _insert_events(
        self, events: EventColumns | EventLines, source: str, format: str | None
    ) -> list[float]:
        """Insert a batch's events; returns the timestamps of those inserted."""
        sql = "INSERT INTO events (ts, origin, kind, call_id, queue, agent, data) VALUES "
        refused: list[tuple] = []

        def refuse(row: tuple, fixed: tuple) -> bool:  # careful try: the truth is not altered
            refused.append(row)
            self._repairs.append(
                (
                    source,
                    repr(row)[:MAX_REJECT_TEXT],
                    "could not be stored (a value SQLite cannot hold); not stored",
                )
            )
            return False

        if isinstance(events, EventColumns) and events.origins is not None:
            origins = [self._origin_id(name, format) for name in events.origins]
            rows = list(
                zip(
                    events.ts,
                    origins,
                    events.kinds,
                    events.call_ids,
                    events.queues,
                    events.agents,
                    events.data,
                    strict=False,
                )
            )
            self._many(sql + "(?, ?, ?, ?, ?, ?, ?)", rows, refuse)
            return [row[0] for row in rows if row not in refused] if refused else events.ts
        # One origin, the common case: the origin goes into the statement, not into each row.
        if isinstance(events, EventLines):
            rows = self._stored_rows(events, source)
            timestamps = [row[0] for row in rows]
        else:  # the columns zipped: no Python per row
            rows = zip(
                events.ts,
                events.kinds,
                events.call_ids,
                events.queues,
                events.agents,
                events.data,
                strict=False,
            )
            timestamps = events.ts
        origin = int(self._origin_id(source, format))
        if self._careful:
            rows = list(rows)
        self._many(sql + f"(?, {origin}, ?, ?, ?, ?, ?)", rows, refuse)
        if refused:
            return [row[0] for row in rows if row not in refused]
        return timestamps

    def _stored_rows(self, events: EventLines, source: str) -> list[tuple]:
        """The rows of lines each of which became one event (`stored_row`); in the careful
        try, a line it fails on is a reject rather than the end of the commit."""
        stored_row = stored_row_for(events.format)
        if not self._careful:
            return list(map(stored_row, events.lines))
        rows = []
        for line in events.lines:
            try:
                rows.append(stored_row(line))
            except Exception as error:
                self._repairs.append(
                    (
                        source,
                        line[:MAX_REJECT_TEXT],
                        f"could not be stored ({type(error).__name__}: {error}); not stored",
                    )
                )
        return rows

    def _origin_id(self, name: str, format: str | None) -> int:
        """The id of an event origin (the `source` of events), created on first use."""
        origin = self._origins.get(name)
        if origin is None:
            text = storable(name)[1]  # a record's own `source` may hold what SQLite cannot
            self.conn.execute(
                "INSERT INTO origins (name, format) VALUES (?, ?) ON CONFLICT (name) DO NOTHING",
                (text, format),
            )
            origin = self.conn.execute("SELECT id FROM origins WHERE name = ?", (text,)).fetchone()[
                0
            ]
            self._origins[name] = origin
        return origin
