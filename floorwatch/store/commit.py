"""One commit of the ingest: the rows a group of batches writes, and writing them.

The ingest derives in its own process and hands each commit to the database writer (a
process of its own, `floorwatch.store.writer`, so that SQLite works on one core while Python parses
and derives on the other); `Store.write` applies the same commits in-process. Either way the
rows are built here and written here, in one transaction with the sources' checkpoints.

A commit is plain data (lists of column values, tuples of derived rows) so that it crosses the
process boundary cheaply, and this module imports nothing heavy: the writer process starts in
milliseconds.
"""

from __future__ import annotations

import functools
import json
import sqlite3
import time
from dataclasses import dataclass, field

from floorwatch.store.derive import (
    AGENT_COLUMNS,
    INTERVAL_COLUMNS,
    MISS_COLUMNS,
    CallEntry,
    Changes,
    Membership,
)
from floorwatch.events import Event, Kind
from floorwatch.store.faults import VALUE_ERRORS, rollback, sqlite_fault, storable
from floorwatch.sources import stored_row_for
from floorwatch.sources.base import Batch, Checkpoint, FeedLoss

#: Kinds as the plain strings stored: one shared object per kind, which binds faster than the
#: enum and pickles once per commit however many events carry it.
_KIND_TEXT = {kind: kind.value for kind in Kind}
#: Compact JSON, as every JSON column of the store holds it.
compact_json = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
#: A reject keeps at most this much of its line's text.
MAX_REJECT_TEXT = 2000

#: Derived tables in the order they are written, with their columns (without `seq`).
DERIVED_TABLES = (
    ("calls", CallEntry.COLUMNS),
    ("agents", AGENT_COLUMNS),
    ("agent_states", INTERVAL_COLUMNS),
    ("pauses", INTERVAL_COLUMNS),
    ("memberships", Membership.COLUMNS),
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


@dataclass(slots=True)
class EventColumns:
    """A batch's events as the columns of the `events` table, in order."""

    ts: list[float]
    kinds: list[str]
    call_ids: list[str | None]
    queues: list[str | None]
    agents: list[str | None]
    data: list[str | None]
    #: Each event's origin (its `source`), or None when all are the batch's own.
    origins: list[str] | None = None

    @classmethod
    def of(cls, events: list[Event], source: str) -> EventColumns:
        kind_text = _KIND_TEXT
        origins = [e.source for e in events]
        dumps = compact_json
        return cls(
            [e.ts for e in events],
            [kind_text[e.kind] for e in events],
            [e.call_id for e in events],
            [e.queue for e in events],
            [e.agent for e in events],
            # A source's own compact form when it has one (queue_log's EVENT|fields), or JSON.
            [e.raw if e.raw is not None else dumps(e.data) if e.data else None for e in events],
            None if all(origin == source for origin in origins) else origins,
        )


@dataclass(slots=True)
class EventLines:
    """A batch's events as the lines they came from, each one event (`Batch.lines`): the
    writer makes the rows itself with the format's `stored_row`, so the events need not be
    sent."""

    format: str
    lines: list[str]


@dataclass(slots=True)
class BatchRows:
    """What one source batch writes: its events, rejects, checkpoint and health."""

    source: str
    format: str | None
    events: EventColumns | EventLines | None
    #: (offset, text, reason, bytes when the text cannot be them)
    rejects: list[tuple[int | None, str, str, bytes | None]]
    checkpoint: Checkpoint | None
    status: str | None
    status_detail: str | None
    losses: list[FeedLoss] = field(default_factory=list)
    start: int | None = None

    @classmethod
    def of(cls, batch: Batch) -> BatchRows:
        events: EventColumns | EventLines | None = None
        if batch.events:
            if batch.lines is not None and stored_row_for(batch.format) is not None:
                events = EventLines(batch.format, batch.lines)
            else:
                events = EventColumns.of(batch.events, batch.source)
        return cls(
            batch.source,
            batch.format,
            events,
            [(r.offset, r.raw, r.reason, r.raw_bytes) for r in batch.rejects],
            batch.checkpoint,
            batch.status,
            batch.status_detail,
            batch.losses,
            batch.start,
        )

    def drop_events(self, failed: list[tuple[int, str]]) -> None:
        """Take the events at these indexes out of the batch, as rejects (their reasons given):
        what derivation could not take must not be stored as if it had (the rare path)."""
        drop = dict(failed)
        events = self.events
        if isinstance(events, EventLines):
            offset = self.start
            for index, line in enumerate(events.lines):
                if index in drop:
                    self.rejects.append((offset, line[:MAX_REJECT_TEXT], drop[index], None))
                if offset is not None:
                    offset += len(line.encode("utf-8", "surrogateescape")) + 1
            events.lines = [line for i, line in enumerate(events.lines) if i not in drop]
            if not events.lines:
                self.events = None
        elif isinstance(events, EventColumns):
            columns = ("ts", "kinds", "call_ids", "queues", "agents", "data", "origins")
            for index in drop:
                ts, kind, call_id, queue, agent, data = (getattr(events, name)[index]
                                                         for name in columns[:6])  # fmt: skip
                if self.format == "queue_log":  # the line as the PBX wrote it
                    stamp = int(ts) if ts == int(ts) else ts
                    text = f"{stamp}|{call_id or 'NONE'}|{queue or 'NONE'}|{agent or 'NONE'}|{data}"
                else:  # the event as JSON Lines has it
                    source = events.origins[index] if events.origins else self.source
                    record = {"ts": ts, "source": source, "kind": kind, "call_id": call_id,
                              "queue": queue, "agent": agent,
                              "data": json.loads(data) if data else None}  # fmt: skip
                    text = compact_json({k: v for k, v in record.items() if v is not None})
                self.rejects.append((None, text[:MAX_REJECT_TEXT], drop[index], None))
            for name in columns:
                values = getattr(events, name)
                if values is not None:
                    setattr(events, name, [v for i, v in enumerate(values) if i not in drop])
            if not events.ts:
                self.events = None


@dataclass(slots=True)
class Commit:
    """Everything one transaction writes: the batches, then the derived rows they changed."""

    batches: list[BatchRows]
    changes: Changes = field(default_factory=Changes)
    #: When the feed handed these over, by the feed's clock (a demo's, a replay's); None:
    #: the writer's wall clock at the commit.
    received_at: float | None = None


@functools.cache
def _replace_sql(table: str, columns: tuple[str, ...]) -> str:
    """Write a derived row whole, new or changed (the deriver hands over complete rows)."""
    names = ", ".join(f'"{c}"' for c in columns)
    return (f"INSERT OR REPLACE INTO {table} ({names}, seq) "
            f"VALUES ({', '.join('?' * len(columns))}, ?)")  # fmt: skip


class CommitWriter:
    """Applies commits to one writable connection; keeps the origin ids it has looked up."""

    def __init__(self, conn: sqlite3.Connection):
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
            self._write_changes(commit.changes, seq,
                                commit.batches[0].source if commit.batches else "")  # fmt: skip
            if self._repairs:
                conn.executemany(
                    'INSERT INTO rejects (source, "offset", raw, reason, received_at) '
                    "VALUES (?, NULL, ?, ?, ?)",
                    [(source, raw, reason, now) for source, raw, reason in self._repairs])
                conn.executemany("UPDATE sources SET rejects = rejects + 1 WHERE name = ?",
                                 [(source,) for source, _, _ in self._repairs])  # fmt: skip
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
                [(name, offset, raw, reason, now, raw_bytes)
                 for offset, raw, reason, raw_bytes in batch.rejects],
                lambda row, fixed: True)  # fmt: skip

        if batch.losses:  # a path need not be UTF-8: stored as text SQLite can hold
            conn.executemany(
                'INSERT INTO feed_losses (source, at, path, start, "end", reason, seq) '
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(name, now, storable(loss.path)[1], loss.start, loss.end,
                  storable(loss.reason)[1], seq) for loss in batch.losses],
            )  # fmt: skip
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
                count, len(batch.rejects), first_ts, last_ts, last_ts,
                bool(count), now, batch.status, batch.status, storable(batch.status_detail)[1],
                seq, name,
            ),  # fmt: skip
        )
        checkpoint = batch.checkpoint
        if checkpoint is not None:
            conn.execute(
                'UPDATE sources SET path = ?, device = ?, inode = ?, "offset" = ?, '
                "fingerprint = ?, generations = ? WHERE name = ?",
                tuple(storable(value)[1] for value in (
                    checkpoint.path, checkpoint.device, checkpoint.inode, checkpoint.offset,
                    checkpoint.fingerprint, checkpoint.generations_json(), name)),
            )  # fmt: skip

    def _insert_events(self, events: EventColumns | EventLines, source: str,
                       format: str | None) -> list[float]:  # fmt: skip
        """Insert a batch's events; returns the timestamps of those inserted."""
        sql = "INSERT INTO events (ts, origin, kind, call_id, queue, agent, data) VALUES "
        refused: list[tuple] = []

        def refuse(row: tuple, fixed: tuple) -> bool:  # careful try: the truth is not altered
            refused.append(row)
            self._repairs.append((source, repr(row)[:MAX_REJECT_TEXT], "could not be stored "
                                  "(a value SQLite cannot hold); not stored"))  # fmt: skip
            return False

        if isinstance(events, EventColumns) and events.origins is not None:
            origins = [self._origin_id(name, format) for name in events.origins]
            rows = list(zip(events.ts, origins, events.kinds, events.call_ids, events.queues,
                            events.agents, events.data))  # fmt: skip
            self._many(sql + "(?, ?, ?, ?, ?, ?, ?)", rows, refuse)
            return [row[0] for row in rows if row not in refused] if refused else events.ts
        # One origin, the common case: the origin goes into the statement, not into each row.
        if isinstance(events, EventLines):
            rows = self._stored_rows(events, source)
            timestamps = [row[0] for row in rows]
        else:  # the columns zipped: no Python per row
            rows = zip(events.ts, events.kinds, events.call_ids, events.queues, events.agents,
                       events.data)  # fmt: skip
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
                self._repairs.append((source, line[:MAX_REJECT_TEXT], f"could not be stored "
                                      f"({type(error).__name__}: {error}); not stored"))  # fmt: skip
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
            origin = self.conn.execute(
                "SELECT id FROM origins WHERE name = ?", (text,)
            ).fetchone()[0]
            self._origins[name] = origin
        return origin

    def _write_changes(self, changes: Changes, seq: int, source: str) -> None:
        conn = self.conn

        def repair(table: str, columns: tuple[str, ...]):
            def keep_without(row: tuple, fixed: tuple) -> bool:  # careful try: said, stored
                bad = [f"{name}={value!r}"[:80] for name, value in zip(columns, row)
                       if not storable(value)[0]]  # fmt: skip
                self._repairs.append((source, f"{table} row {row[0]!r}: {', '.join(bad)}",
                                      "derived value SQLite cannot hold; stored empty"))
                return True
            return keep_without

        for (table, columns), rows in zip(DERIVED_TABLES, (
            changes.calls, changes.agents, changes.agent_states, changes.pauses,
            changes.memberships,
        )):  # fmt: skip
            if rows:
                self._many(_replace_sql(table, columns), [row + (seq,) for row in rows],
                           repair(table, columns))  # fmt: skip
        if changes.misses:
            self._many(
                f"INSERT INTO misses ({', '.join(MISS_COLUMNS)}, seq) "
                f"VALUES ({', '.join('?' * (len(MISS_COLUMNS) + 1))})",
                [row + (seq,) for row in changes.misses], repair("misses", MISS_COLUMNS))
        for agent, queue, penalty in changes.pending_penalties:
            if penalty is None:
                conn.execute("DELETE FROM pending_penalties WHERE agent = ? AND queue = ?",
                             (agent, queue))  # fmt: skip
            else:
                conn.execute("INSERT OR REPLACE INTO pending_penalties VALUES (?, ?, ?, ?)",
                             (agent, queue, penalty, seq))  # fmt: skip
        # Where the count of closed calls was first reached: a restart reads the recent calls
        # from the commit that closed the oldest of them on (derive._Recent), and no further.
        conn.execute("INSERT OR IGNORE INTO recent_marks (closes, seq) VALUES (?, ?)",
                     (changes.closes, seq))  # fmt: skip
        conn.execute("DELETE FROM recent_marks WHERE closes <= ?", (changes.recent_floor,))
