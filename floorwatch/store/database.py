"""The SQLite store: raw events (the truth), derived tables, feed checkpoints.

One writer (the ingest) commits each batch of events in one transaction together with the
derived rows it changed and the source checkpoint, so a restart resumes exactly: nothing lost,
nothing twice. Any number of readers open the file read-only (`mode=ro`) beside it; WAL mode
keeps them from blocking the writer. Every derived row carries the `seq` of the transaction
that last changed it, so a reader can fetch only what changed since it last looked.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import sqlite3
import stat
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from floorwatch.store.commit import (
    BatchRows,
    Commit,
    CommitWriter,
    compact_json,
    configure_writer,
)
from floorwatch.store.derive import INTERVAL_COLUMNS, DeriveConfig, Deriver, LoadedState
from floorwatch.events import Event, Kind
from floorwatch.store.faults import rollback, sqlite_fault
from floorwatch.sources.base import Batch, Checkpoint

#: Marks a SQLite file as floorwatch's (PRAGMA application_id): "FlWt".
APPLICATION_ID = 0x466C5754
SCHEMA_VERSION = 2


class StoreError(Exception):
    """The database cannot be used: not ours, newer than this version, missing, unreadable."""


#: A fresh store's schema. (A store upgraded from an older one has the columns added since at
#: the end of their tables instead, after `seq`: every query names its columns.)
SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE origins (id INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL, format TEXT);
CREATE TABLE events (
    id INTEGER PRIMARY KEY, ts REAL NOT NULL, origin INTEGER NOT NULL, kind TEXT NOT NULL,
    call_id TEXT, queue TEXT, agent TEXT, data TEXT
);
CREATE TABLE rejects (
    id INTEGER PRIMARY KEY, source TEXT NOT NULL, "offset" INTEGER, raw TEXT, reason TEXT,
    received_at REAL, raw_bytes BLOB
);
CREATE TABLE sources (
    name TEXT PRIMARY KEY, path TEXT, device INTEGER, inode INTEGER, "offset" INTEGER,
    fingerprint TEXT, events INTEGER NOT NULL DEFAULT 0, rejects INTEGER NOT NULL DEFAULT 0,
    first_event_ts REAL, last_event_ts REAL, last_received_at REAL, status TEXT,
    status_detail TEXT, generations TEXT, seq INTEGER
);
CREATE TABLE feed_losses (
    id INTEGER PRIMARY KEY, source TEXT NOT NULL, at REAL NOT NULL, path TEXT,
    start INTEGER, "end" INTEGER, reason TEXT NOT NULL, seq INTEGER
);
CREATE TABLE recent_marks (closes INTEGER PRIMARY KEY, seq INTEGER NOT NULL);
CREATE TABLE calls (
    id INTEGER PRIMARY KEY, call_id TEXT, queue TEXT, source TEXT, caller TEXT,
    enqueued_at REAL, position INTEGER, status TEXT, outcome TEXT, wait_end_at REAL,
    wait_s REAL, answered_at REAL, agent TEXT, ended_at REAL, talk_s REAL, ended_by TEXT,
    transfer_target TEXT, ring_no_answers INTEGER, synced INTEGER, wrapup_s REAL,
    seen_by TEXT, inferred INTEGER, closed_no INTEGER, miss_counts TEXT, seq INTEGER
);
CREATE INDEX calls_wait_end ON calls (wait_end_at);
CREATE INDEX calls_agent ON calls (agent, answered_at);
CREATE INDEX calls_open ON calls (status) WHERE status != 'done';
CREATE INDEX calls_seq ON calls (seq);
CREATE TABLE agents (
    name TEXT PRIMARY KEY, state TEXT, since REAL, reason TEXT, queue TEXT, call_ref INTEGER,
    explicit_login INTEGER, login_since REAL, ringing TEXT, last_event_at REAL,
    last_call_ref INTEGER, seq INTEGER
);
CREATE TABLE pending_penalties (
    agent TEXT, queue TEXT, penalty INTEGER, seq INTEGER, PRIMARY KEY (agent, queue)
);
CREATE TABLE agent_states (
    id INTEGER PRIMARY KEY, agent TEXT, state TEXT, reason TEXT, queue TEXT, call_ref INTEGER,
    start REAL, "end" REAL, seq INTEGER
);
CREATE INDEX agent_states_agent ON agent_states (agent, start);
CREATE INDEX agent_states_end ON agent_states ("end");
CREATE INDEX agent_states_open ON agent_states (agent) WHERE "end" IS NULL;
CREATE INDEX agent_states_seq ON agent_states (seq);
CREATE TABLE pauses (
    id INTEGER PRIMARY KEY, agent TEXT, state TEXT, reason TEXT, queue TEXT, call_ref INTEGER,
    start REAL, "end" REAL, seq INTEGER
);
CREATE INDEX pauses_agent ON pauses (agent, start);
CREATE INDEX pauses_end ON pauses ("end");
CREATE INDEX pauses_open ON pauses (agent) WHERE "end" IS NULL;
CREATE INDEX pauses_seq ON pauses (seq);
CREATE TABLE memberships (
    id INTEGER PRIMARY KEY, agent TEXT, queue TEXT, joined_at REAL, left_at REAL,
    penalty INTEGER, dynamic INTEGER, seq INTEGER
);
CREATE INDEX memberships_agent ON memberships (agent, joined_at);
CREATE INDEX memberships_active ON memberships (agent) WHERE left_at IS NULL;
CREATE INDEX memberships_seq ON memberships (seq);
CREATE TABLE misses (
    id INTEGER PRIMARY KEY, agent TEXT, queue TEXT, call_ref INTEGER, ts REAL, ring_ms INTEGER,
    canceled INTEGER, seq INTEGER
);
CREATE INDEX misses_ts ON misses (ts);
CREATE TABLE burnout_flags (
    id INTEGER PRIMARY KEY, agent TEXT NOT NULL, rule TEXT NOT NULL, severity TEXT NOT NULL,
    since REAL, raised_at REAL NOT NULL, cleared_at REAL, last_true_at REAL, summary TEXT,
    evidence TEXT, stretch_start REAL, stretch_end REAL, seq INTEGER
);
CREATE INDEX burnout_flags_open ON burnout_flags (agent) WHERE cleared_at IS NULL;
CREATE INDEX burnout_flags_raised ON burnout_flags (raised_at);
CREATE INDEX burnout_flags_seq ON burnout_flags (seq);
"""

#: Schema changes from each version to the next: MIGRATIONS[n] upgrades n -> n + 1.
MIGRATIONS: dict[int, str] = {
    # 2: rejects keep the bytes of a line that is not UTF-8; a feed's checkpoint holds the
    # rotated files still being read; losses that could not be avoided are kept; and what
    # derivation needs to resume exactly (recent calls, wrap-up's call, kept-aside penalties).
    1: """
ALTER TABLE rejects ADD COLUMN raw_bytes BLOB;
ALTER TABLE sources ADD COLUMN generations TEXT;
CREATE TABLE feed_losses (
    id INTEGER PRIMARY KEY, source TEXT NOT NULL, at REAL NOT NULL, path TEXT,
    start INTEGER, "end" INTEGER, reason TEXT NOT NULL, seq INTEGER
);
CREATE TABLE recent_marks (closes INTEGER PRIMARY KEY, seq INTEGER NOT NULL);
ALTER TABLE calls ADD COLUMN seen_by TEXT;
ALTER TABLE calls ADD COLUMN inferred INTEGER;
ALTER TABLE calls ADD COLUMN closed_no INTEGER;
ALTER TABLE calls ADD COLUMN miss_counts TEXT;
ALTER TABLE agents ADD COLUMN last_call_ref INTEGER;
CREATE TABLE pending_penalties (
    agent TEXT, queue TEXT, penalty INTEGER, seq INTEGER, PRIMARY KEY (agent, queue)
);
""",
}


def _connect(path: str | Path, readonly: bool) -> sqlite3.Connection:
    if readonly:
        uri = f"file:{Path(path).absolute().as_posix()}?mode=ro"
        conn = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
    else:
        conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA busy_timeout = 5000")
    return conn


def _check_schema(conn: sqlite3.Connection, path: str | Path, readonly: bool) -> int:
    """The schema version of an existing file, or 0 for an empty one; StoreError if not ours."""
    try:
        application_id = conn.execute("PRAGMA application_id").fetchone()[0]
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        tables = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
    except (sqlite3.DatabaseError, UnicodeDecodeError) as error:
        raise StoreError(sqlite_fault(path, error, "write" if not readonly else "read")) from None
    if application_id == 0 and tables == 0:
        if readonly:
            raise StoreError(f"{path}: empty database; nothing has been ingested into it yet")
        return 0
    if application_id != APPLICATION_ID:
        raise StoreError(f"{path}: not a floorwatch database (it holds other tables)")
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"{path}: written by a newer floorwatch (schema {version}, this one knows "
            f"{SCHEMA_VERSION}); upgrade floorwatch"
        )
    if version < SCHEMA_VERSION and readonly:
        raise StoreError(
            f"{path}: schema {version} is older than {SCHEMA_VERSION}; run the ingest once to "
            "upgrade it"
        )
    return version


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


class WriterLock:
    """Only one ingest writes a database at a time.

    Two would each derive from their own memory and count every call twice. The lock is an
    advisory lock (flock) on `<database>.lock`, which holds the owner's pid for the message.
    The ingest's writer process inherits the open lock file, so the lock is held until both
    have exited: an ingest restarted after a SIGKILL waits for the old writer process to
    finish its last commit before it reads where to resume.
    """

    def __init__(self, path: Path, timeout_s: float):
        self.path = path.with_name(path.name + ".lock")
        self.fd = self._open(self.path)
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    owner = os.pread(self.fd, 32, 0).decode(errors="replace").strip()
                    os.close(self.fd)
                    raise StoreError(
                        f"{path}: another floorwatch ingest"
                        + (f" (pid {owner})" if owner.isdigit() else "")
                        + " is writing to it; stop that one first"
                    ) from None
                time.sleep(0.05)
        try:
            os.ftruncate(self.fd, 0)
            os.pwrite(self.fd, f"{os.getpid()}\n".encode(), 0)
        except OSError as error:  # a full disk: the lock holds all the same, only the pid is lost
            if error.errno not in (errno.ENOSPC, errno.EDQUOT):
                os.close(self.fd)
                raise StoreError(f"{self.path}: cannot write ({error.strerror})") from None

    @staticmethod
    def _open(path: Path) -> int:
        """The lock file, never through a link: a planted `x.db.lock -> important` must not
        get `important` truncated, nor a hard link to it; anything but a plain file is refused."""
        flags = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
        try:
            fd = os.open(path, flags, 0o644)
        except OSError as error:
            if error.errno == errno.EROFS:
                raise StoreError(f"{path.with_suffix('')}: cannot write: {path.parent} is on a "
                                 "read-only filesystem; the ingest must write the database "
                                 "there") from None  # fmt: skip
            if error.errno == errno.ELOOP:
                raise StoreError(f"{path}: is a symbolic link; refusing to follow it (remove it, "
                                 "the ingest creates its own lock file)") from None  # fmt: skip
            raise StoreError(f"{path}: cannot create ({error.strerror})") from None
        info = os.fstat(fd)
        problem = None
        if not stat.S_ISREG(info.st_mode):
            problem = "is not a regular file; refusing to use it as the lock (remove it)"
        elif info.st_nlink != 1:
            problem = "has other hard links; refusing to write to it (remove it)"
        if problem is not None:
            os.close(fd)
            raise StoreError(f"{path}: {problem}")
        os.set_blocking(fd, True)
        return fd

    def release(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)  # the writer process may still hold its copy until it exits
            self.fd = -1


class Store:
    """A floorwatch database. Open with `Store.open` (writer) or `Store.open_readonly`."""

    #: How long `open` waits for another writer (a killed ingest's writer process finishing).
    LOCK_TIMEOUT_S = 10.0

    def __init__(self, conn: sqlite3.Connection, path: str | Path, readonly: bool,
                 lock: WriterLock | None = None):  # fmt: skip
        self.conn = conn
        self.path = Path(path)
        self.readonly = readonly
        self.lock = lock
        self.deriver: Deriver | None = None
        self._writer: CommitWriter | None = None

    # ----------------------------------------------------------------- opening
    @classmethod
    def open(cls, path: str | Path, derive_config: DeriveConfig | None = None, *,
             lock_timeout_s: float | None = None) -> Store:  # fmt: skip
        """Open (creating or upgrading it if needed) as the one writer."""
        path = Path(path)
        if path.is_dir():
            raise StoreError(f"{path}: is a directory, not a database file")
        if not path.parent.exists():
            raise StoreError(f"{path.parent}: no such directory")
        lock = WriterLock(path, cls.LOCK_TIMEOUT_S if lock_timeout_s is None else lock_timeout_s)
        try:
            conn = _connect(path, readonly=False)
        except sqlite3.Error as error:
            lock.release()
            raise StoreError(sqlite_fault(path, error, "open")) from None
        try:
            version = _check_schema(conn, path, readonly=False)
            configure_writer(conn)
            if version == 0:
                conn.execute("BEGIN IMMEDIATE")
                for statement in SCHEMA.split(";"):
                    if statement.strip():
                        conn.execute(statement)
                conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
                conn.execute(
                    "INSERT INTO meta VALUES ('seq', '0'), ('created_at', ?)", (str(time.time()),)
                )
                conn.execute("COMMIT")
            while version and version < SCHEMA_VERSION:
                conn.execute("BEGIN IMMEDIATE")
                for statement in MIGRATIONS[version].split(";"):
                    if statement.strip():
                        conn.execute(statement)
                version += 1
                conn.execute(f"PRAGMA user_version = {version}")
                conn.execute("COMMIT")
            store = cls(conn, path, readonly=False, lock=lock)
            store.deriver = Deriver(derive_config)
            store.deriver.load(store._load_state())
        except (sqlite3.Error, UnicodeDecodeError) as error:
            rollback(conn)
            conn.close()
            lock.release()
            raise StoreError(sqlite_fault(path, error)) from None
        except StoreError:
            conn.close()
            lock.release()
            raise
        return store

    @classmethod
    def open_readonly(cls, path: str | Path) -> Store:
        """Open for reading only: a viewer can never change the data."""
        path = Path(path)
        if not path.exists():
            raise StoreError(f"{path}: no such database")
        if not os.access(path, os.R_OK):
            raise StoreError(f"{path}: permission denied")
        try:
            conn = _connect(path, readonly=True)
            _check_schema(conn, path, readonly=True)
        except sqlite3.Error as error:
            raise StoreError(sqlite_fault(path, error, "read")) from None
        return cls(conn, path, readonly=True)

    def close(self) -> None:
        self.conn.close()
        if self.lock is not None:
            self.lock.release()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # ----------------------------------------------------------------- writing
    def _load_state(self) -> LoadedState:
        def query(sql: str, params: tuple = ()) -> list[dict]:
            cursor = self.conn.execute(sql, params)
            names = [column[0] for column in cursor.description]
            return [dict(zip(names, row)) for row in cursor]

        conn = self.conn
        next_ids = {
            table: (conn.execute(f"SELECT max(id) FROM {table}").fetchone()[0] or 0) + 1
            for table in ("calls", "agent_states", "pauses", "memberships")
        }
        # Recent calls (see derive._Recent): those whose latest close is among the last
        # RECENT_CALLS // 2. recent_marks says from which commit on every such close is, so
        # only the rows changed since then are read (by the seq index), not every call.
        closes = conn.execute("SELECT max(closes) FROM recent_marks").fetchone()[0] or 0
        floor = closes - Deriver.RECENT_CALLS // 2
        since = conn.execute("SELECT seq FROM recent_marks WHERE closes > ? ORDER BY closes "
                             "LIMIT 1", (floor,)).fetchone()  # fmt: skip
        done = query("SELECT * FROM calls WHERE seq >= ? AND status = 'done' AND closed_no > ?",
                     (since[0] if since else 0, floor))  # fmt: skip
        done += query("SELECT * FROM calls WHERE id IN (SELECT last_call_ref FROM agents)")
        return LoadedState(
            open_calls=query("SELECT * FROM calls WHERE status != 'done' ORDER BY id"),
            agents=query("SELECT * FROM agents ORDER BY name"),
            open_agent_states=query('SELECT * FROM agent_states WHERE "end" IS NULL ORDER BY id'),
            open_pauses=query('SELECT * FROM pauses WHERE "end" IS NULL ORDER BY id'),
            active_memberships=query(
                "SELECT * FROM memberships WHERE left_at IS NULL ORDER BY id"),
            next_ids=next_ids,
            done_calls=done,
            closes=closes,
            pending_penalties=query("SELECT * FROM pending_penalties ORDER BY rowid"),
        )

    def stage(self, batch: Batch) -> BatchRows:
        """Derive from one batch and gather its own rows; the derived rows it changed are
        gathered by `commit_of`, once for however many batches are staged (no SQL here).

        The deriver moves on at once: what is staged must then be written (`write`, or the
        ingest's writer process), or the state reloaded with `reload` if it cannot be.
        """
        assert self.deriver is not None, "read-only store"
        rows = BatchRows.of(batch.parsed())  # the events as the feed has them, before aliases
        if batch.events:
            failed = self.deriver.apply(batch.events)
            if failed:
                rows.drop_events(failed)
        return rows

    def commit_of(self, staged: list[BatchRows]) -> Commit:
        """The commit of the batches staged since the last one, with the derived rows changed."""
        assert self.deriver is not None, "read-only store"
        return Commit(staged, self.deriver.take_changes())

    def prepare(self, batches: Iterable[Batch]) -> Commit:
        """Stage `batches` and make them one commit."""
        return self.commit_of([self.stage(batch) for batch in batches])

    def write(self, batches: Iterable[Batch]) -> int:
        """Commit batches (events, rejects, derived rows, checkpoints) in one transaction.

        Returns the new change sequence number. On any error nothing is committed and the
        derived state is reloaded from the database, so memory never runs ahead of the file.
        """
        try:
            commit = self.prepare(batches)
            if self._writer is None:
                self._writer = CommitWriter(self.conn)
            return self._writer.apply(commit)
        except BaseException:
            self.reload()
            raise

    def reload(self) -> None:
        """Derived state as the database has it (after a commit that could not be written)."""
        assert self.deriver is not None, "read-only store"
        self._writer = None
        self.deriver = Deriver(self.deriver.config)
        self.deriver.load(self._load_state())

    def write_flags(self, changes) -> int | None:
        """Record burnout flags raised, updated and cleared (floorwatch.snapshot.burnout.FlagChanges)."""
        if not changes:
            return None
        conn = self.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            seq = int(conn.execute("SELECT value FROM meta WHERE key = 'seq'").fetchone()[0]) + 1
            for flag in changes.raised + changes.updated + changes.cleared:
                stretch = flag.stretch or (None, None)
                values = (flag.agent, flag.rule, flag.severity, flag.since, flag.raised_at,
                          flag.cleared_at, flag.last_true_at, flag.summary,
                          compact_json(flag.evidence), stretch[0], stretch[1], seq)  # fmt: skip
                flag_id = getattr(flag, "store_id", None)
                if flag_id is None:
                    cursor = conn.execute(
                        "INSERT INTO burnout_flags (agent, rule, severity, since, raised_at, "
                        "cleared_at, last_true_at, summary, evidence, stretch_start, stretch_end,"
                        " seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", values)
                    flag.store_id = cursor.lastrowid
                else:
                    conn.execute(
                        "UPDATE burnout_flags SET agent = ?, rule = ?, severity = ?, since = ?, "
                        "raised_at = ?, cleared_at = ?, last_true_at = ?, summary = ?, "
                        "evidence = ?, stretch_start = ?, stretch_end = ?, seq = ? WHERE id = ?",
                        values + (flag_id,))
            conn.execute("UPDATE meta SET value = ? WHERE key = 'seq'", (str(seq),))
            conn.execute("COMMIT")
        except BaseException:
            rollback(conn)
            raise
        return seq

    # ----------------------------------------------------------------- reading
    def seq(self) -> int:
        """The sequence number of the last committed change."""
        return int(self.conn.execute("SELECT value FROM meta WHERE key = 'seq'").fetchone()[0])

    def data_version(self) -> int:
        """Changes whenever another connection commits: a cheap 'anything new?' check."""
        return self.conn.execute("PRAGMA data_version").fetchone()[0]

    def source(self, name: str) -> SourceRow | None:
        row = self.conn.execute(
            'SELECT name, path, device, inode, "offset", fingerprint, events, rejects, '
            "last_event_ts, last_received_at, status, status_detail, generations FROM sources "
            "WHERE name = ?",
            (name,),
        ).fetchone()
        if row is None:
            return None
        return SourceRow(
            name=row[0],
            checkpoint=Checkpoint.from_row(*row[1:6], row[12]),
            events=row[6],
            rejects=row[7],
            last_event_ts=row[8],
            last_received_at=row[9],
            status=row[10],
            status_detail=row[11],
        )

    def sources(self) -> list[SourceRow]:
        names = [row[0] for row in self.conn.execute("SELECT name FROM sources ORDER BY name")]
        return [row for name in names if (row := self.source(name)) is not None]

    def count(self, table: str, where: str = "", params: Iterable[Any] = ()) -> int:
        sql = f"SELECT count(*) FROM {table}" + (f" WHERE {where}" if where else "")
        return self.conn.execute(sql, tuple(params)).fetchone()[0]

    def events(self, where: str = "", params: Iterable[Any] = ()) -> list[Event]:
        """Stored events in the order they were stored (tests, replay, audits).

        Events kept in their source's own form (queue_log) are read back through its parser,
        so they come back exactly as the adapter first made them.
        """
        from floorwatch.sources.queue_log import from_stored

        sql = (
            "SELECT ts, o.name, o.format, kind, call_id, queue, agent, data "
            "FROM events e JOIN origins o ON o.id = e.origin"
        )
        sql += (f" WHERE {where}" if where else "") + " ORDER BY e.id"
        result = []
        for ts, source, format, kind, call_id, queue, agent, data in self.conn.execute(
            sql, tuple(params)
        ):
            if format == "queue_log" and data is not None:
                result.append(from_stored(ts, call_id, queue, agent, data, source))
            else:
                result.append(Event(ts, source, Kind(kind), call_id, queue, agent,
                                    json.loads(data) if data else {}))  # fmt: skip
        return result
