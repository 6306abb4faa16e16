"""Writing one commit of the ingest: its rows, in one transaction with the checkpoints.

The ingest derives in its own process and hands each commit (store/commit_rows.py) to the
database writer (a process of its own, `floorwatch.store.writer`, so that SQLite works on one
core while Python parses and derives on the other); `Store.write` applies the same commits
in-process. Either way they are written here. This module imports nothing heavy: the writer
process starts in milliseconds. Every column list comes from store/schema.py.
"""

from __future__ import annotations

import functools
import sqlite3
import time

from floorwatch.store import schema
from floorwatch.store.commit_rows import (
    BatchRows,
    Commit,
    EventColumns,
    EventLines,
    compact_json,
)
from floorwatch.store.derive import (
    AGENT_COLUMNS,
    INTERVAL_COLUMNS,
    MISS_COLUMNS,
    RATING_COLUMNS,
    CallEntry,
    Changes,
    Membership,
)
from floorwatch.store.event_insert import EventInsertion
from floorwatch.store.faults import VALUE_ERRORS, rollback, storable
from floorwatch.store.opening import bind_none_directly

__all__ = [
    "BatchRows",
    "Commit",
    "CommitWriter",
    "EventColumns",
    "EventLines",
    "compact_json",
    "configure_writer",
]

#: Derived tables in the order they are written, with their columns (without `seq`).
DERIVED_TABLES = (
    (schema.CALLS.name, CallEntry.COLUMNS),
    (schema.AGENTS.name, AGENT_COLUMNS),
    (schema.AGENT_STATES.name, INTERVAL_COLUMNS),
    (schema.PAUSES.name, INTERVAL_COLUMNS),
    (schema.MEMBERSHIPS.name, Membership.COLUMNS),
)


def configure_writer(conn: sqlite3.Connection) -> None:
    """The settings of the one connection that writes (the store's or the writer process's)."""
    conn.execute("PRAGMA busy_timeout = 5000")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    # Bulk loads commit tens of thousands of rows at a time: a larger page cache and fewer
    # WAL checkpoints keep SQLite from doing the same work twice.
    conn.execute("PRAGMA cache_size = -16384")
    conn.execute("PRAGMA wal_autocheckpoint = 10000")


@functools.cache
def _replace_sql(table: str, columns: tuple[str, ...]) -> str:
    """Write a derived row whole, new or changed (the deriver hands over complete rows); the
    commit's seq is the statement's, `{seq}`, not each row's (no tuple made per row)."""
    names = ", ".join(f'"{c}"' for c in columns)
    return (
        f"INSERT OR REPLACE INTO {table} ({names}, seq) "
        f"VALUES ({', '.join('?' * len(columns))}, {{seq}})"
    )


@functools.cache
def _insert_sql(table: str, columns: tuple[str, ...]) -> str:
    """Append a derived row (a miss, a rating); the commit's seq as in `_replace_sql`."""
    return (
        f"INSERT INTO {table} ({', '.join(columns)}, seq) "
        f"VALUES ({', '.join('?' * len(columns))}, {{seq}})"
    )


class CommitWriter(EventInsertion):
    """Applies commits to one writable connection; keeps the origin ids it has looked up."""

    def __init__(self, conn: sqlite3.Connection):
        bind_none_directly()  # a derived row is a quarter empty: bound without a search
        self.conn = conn
        self._origins: dict[str, int] = {}
        #: Set for a commit's second, careful try: rows are written one by one, an event with
        #: a value SQLite cannot hold becomes a reject, and such a value in a derived row is
        #: stored empty (and said, as a reject) rather than failing the whole commit.
        self._careful = False
        self._repairs: list[tuple[str, str, str]] = []  # rejects made by the careful try

    def apply(self, commit: Commit, now: float | None = None) -> int:
        """Write `commit` in one transaction; returns its change sequence number.

        On any error nothing is written (the transaction is rolled back) and the error is
        raised again.
        """
        if now is None:
            now = time.time() if commit.received_at is None else commit.received_at
        try:
            return self._apply(commit, now)
        except VALUE_ERRORS:  # a value no parser should have let through: try again, carefully
            self._careful, self._repairs = True, []
            try:
                return self._apply(commit, now)
            finally:
                self._careful = False

    def _apply(self, commit: Commit, now: float) -> int:
        conn = self.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            seq = int(conn.execute("SELECT value FROM meta WHERE key = 'seq'").fetchone()[0]) + 1
            for batch in commit.batches:
                self._write_batch(batch, seq, now)
            self._write_changes(
                commit.changes, seq, commit.batches[0].source if commit.batches else ""
            )
            if self._repairs:
                conn.executemany(
                    'INSERT INTO rejects (source, "offset", raw, reason, received_at) '
                    "VALUES (?, NULL, ?, ?, ?)",
                    [(source, raw, reason, now) for source, raw, reason in self._repairs],
                )
                conn.executemany(
                    "UPDATE sources SET rejects = rejects + 1 WHERE name = ?",
                    [(source,) for source, _, _ in self._repairs],
                )
                self._repairs = []
            conn.execute("UPDATE meta SET value = ? WHERE key = 'seq'", (str(seq),))
            conn.execute("COMMIT")
        except BaseException:
            rollback(conn)
            self._origins = {}  # ids created in the rolled-back transaction are gone
            raise
        return seq

    def _many(self, sql: str, rows, on_bad) -> int:
        """executemany, or in the careful try one row at a time: a row with a value SQLite
        cannot hold goes to `on_bad(row, fixed)`, which says whether to write it `fixed`."""
        if not self._careful:
            self.conn.executemany(sql, rows)
            return -1
        written = 0
        for row in rows:
            checked = [storable(value) for value in row]
            fixed = tuple(value for _, value in checked)
            if all(ok for ok, _ in checked) or on_bad(row, fixed):
                self.conn.execute(sql, fixed)
                written += 1
        return written

    def _write_batch(self, batch: BatchRows, seq: int, now: float) -> None:
        conn = self.conn
        name = batch.source
        count, first_ts, last_ts = 0, None, None
        if batch.events is not None:
            timestamps = self._insert_events(batch.events, name, batch.format)
            if timestamps:
                count, first_ts, last_ts = len(timestamps), min(timestamps), max(timestamps)
        if batch.rejects:
            self._many(
                'INSERT INTO rejects (source, "offset", raw, reason, received_at, raw_bytes) '
                "VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (name, offset, raw, reason, now, raw_bytes)
                    for offset, raw, reason, raw_bytes in batch.rejects
                ],
                lambda row, fixed: True,
            )

        if batch.losses:  # a path need not be UTF-8: stored as text SQLite can hold
            conn.executemany(
                'INSERT INTO feed_losses (source, at, path, start, "end", reason, seq) '
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        name,
                        now,
                        storable(loss.path)[1],
                        loss.start,
                        loss.end,
                        storable(loss.reason)[1],
                        seq,
                    )
                    for loss in batch.losses
                ],
            )
        conn.execute(
            "INSERT INTO sources (name, events, rejects, seq) VALUES (?, 0, 0, ?) "
            "ON CONFLICT (name) DO NOTHING",
            (name, seq),
        )
        conn.execute(
            """UPDATE sources SET
                 events = events + ?, rejects = rejects + ?,
                 first_event_ts = coalesce(first_event_ts, ?),
                 last_event_ts = max(coalesce(last_event_ts, ?), coalesce(?, last_event_ts)),
                 last_received_at = CASE WHEN ? THEN ? ELSE last_received_at END,
                 status = coalesce(?, status),
                 status_detail = CASE WHEN ? IS NULL THEN status_detail ELSE ? END,
                 seq = ?
               WHERE name = ?""",
            (
                count,
                len(batch.rejects),
                first_ts,
                last_ts,
                last_ts,
                bool(count),
                now,
                batch.status,
                batch.status,
                storable(batch.status_detail)[1],
                seq,
                name,
            ),
        )
        checkpoint = batch.checkpoint
        if checkpoint is not None:
            conn.execute(
                'UPDATE sources SET path = ?, device = ?, inode = ?, "offset" = ?, '
                "fingerprint = ?, generations = ? WHERE name = ?",
                tuple(
                    storable(value)[1]
                    for value in (
                        checkpoint.path,
                        checkpoint.device,
                        checkpoint.inode,
                        checkpoint.offset,
                        checkpoint.fingerprint,
                        checkpoint.generations_json(),
                        name,
                    )
                ),
            )

    def _write_changes(self, changes: Changes, seq: int, source: str) -> None:
        conn = self.conn

        def repair(table: str, columns: tuple[str, ...]):
            def keep_without(row: tuple, fixed: tuple) -> bool:  # careful try: said, stored
                bad = [
                    f"{name}={value!r}"[:80]
                    for name, value in zip(columns, row, strict=False)
                    if not storable(value)[0]
                ]
                self._repairs.append(
                    (
                        source,
                        f"{table} row {row[0]!r}: {', '.join(bad)}",
                        "derived value SQLite cannot hold; stored empty",
                    )
                )
                return True

            return keep_without

        for (table, columns), rows in zip(
            DERIVED_TABLES,
            (
                changes.calls,
                changes.agents,
                changes.agent_states,
                changes.pauses,
                changes.memberships,
            ),
            strict=False,
        ):
            if rows:
                self._many(
                    _replace_sql(table, columns).format(seq=seq), rows, repair(table, columns)
                )
        if changes.misses:
            self._many(
                _insert_sql("misses", MISS_COLUMNS).format(seq=seq),
                changes.misses,
                repair("misses", MISS_COLUMNS),
            )
        if changes.ratings:
            self._many(
                _insert_sql("ratings", RATING_COLUMNS).format(seq=seq),
                changes.ratings,
                repair("ratings", RATING_COLUMNS),
            )
        for agent, queue, penalty in changes.pending_penalties:
            if penalty is None:
                conn.execute(
                    "DELETE FROM pending_penalties WHERE agent = ? AND queue = ?", (agent, queue)
                )
            else:
                conn.execute(
                    "INSERT OR REPLACE INTO pending_penalties (agent, queue, penalty, seq) "
                    "VALUES (?, ?, ?, ?)",
                    (agent, queue, penalty, seq),
                )
        # Where the count of closed calls was first reached: a restart reads the recent calls
        # from the commit that closed the oldest of them on (derive._Recent), and no further.
        conn.execute(
            "INSERT OR IGNORE INTO recent_marks (closes, seq) VALUES (?, ?)", (changes.closes, seq)
        )
        conn.execute("DELETE FROM recent_marks WHERE closes <= ?", (changes.recent_floor,))
