"""`floorwatch db check` and `floorwatch db vacuum`, and the connection every `db` command
opens: its own, beside the ingest (which keeps writing) and the viewers (which keep reading).

check reads only (`mode=ro`). vacuum gives free pages back to the file system in small steps
(`PRAGMA incremental_vacuum`, a store made since issue 26 has `auto_vacuum = INCREMENTAL`),
each its own short transaction, so a running ingest and its readers go on; an older store
needs one full VACUUM first (`--full`, with the ingest stopped: it rewrites the whole file).
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from floorwatch.store.faults import StoreError, sqlite_fault
from floorwatch.store.lock import WriterLock, writer_running
from floorwatch.store.opening import check_schema, connect
from floorwatch.store.schema import TABLES

#: Pages one vacuum step gives back (4 MB of 4 KiB pages): a short transaction.
VACUUM_PAGES = 1024
#: The pause after each step while an ingest runs (longer than SQLite's longest busy sleep).
PAUSE_S = 0.12


def open_store(path: str | Path, write: bool, older_ok: bool = False) -> sqlite3.Connection:
    """A connection of a `db` command: read-only unless `write`; StoreError if the file is
    missing, empty, not ours, newer than this version, or (unless `older_ok`: check,
    restore) older (the ingest upgrades it when it opens it)."""
    path = Path(path)
    if not path.exists():
        raise StoreError(f"{path}: no such database")
    if path.is_dir():
        raise StoreError(f"{path}: is a directory, not a database file")
    try:
        conn = connect(path, readonly=not write)
        if check_schema(conn, path, readonly=not older_ok) == 0:
            conn.close()
            raise StoreError(f"{path}: empty database; nothing has been ingested into it yet")
    except sqlite3.Error as error:
        raise StoreError(sqlite_fault(path, error, "read")) from None
    return conn


def file_size(path: Path) -> int:
    """The database's bytes on disk, its -wal included."""
    return sum(
        part.stat().st_size for part in (path, path.with_name(path.name + "-wal")) if part.exists()
    )


@dataclass
class FeedCheckpoint:
    name: str
    path: str | None
    offset: int | None
    events: int
    last_event_ts: float | None
    status: str | None


@dataclass
class CheckReport:
    """What `db check` says about a store."""

    path: Path
    integrity: list[str]  # ["ok"] when whole
    schema_version: int
    auto_vacuum: str
    size_bytes: int
    free_bytes: int
    counts: dict[str, int]
    oldest_event: float | None
    newest_event: float | None
    feeds: list[FeedCheckpoint] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.integrity == ["ok"]

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "integrity": self.integrity,
            "schema_version": self.schema_version,
            "auto_vacuum": self.auto_vacuum,
            "size_bytes": self.size_bytes,
            "free_bytes": self.free_bytes,
            "counts": self.counts,
            "oldest_event": self.oldest_event,
            "newest_event": self.newest_event,
            "feeds": [vars(feed) for feed in self.feeds],
        }


def check(path: str | Path, quick: bool = False) -> CheckReport:
    """Integrity, schema version, rows per table, size, the oldest and newest event, and each
    feed's checkpoint, read in one read transaction (a consistent picture beside the ingest)."""
    path = Path(path)
    conn = open_store(path, write=False, older_ok=True)
    try:
        conn.execute("BEGIN")
        pragma = "quick_check" if quick else "integrity_check"
        integrity = [row[0] for row in conn.execute(f"PRAGMA {pragma}(20)")]
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        names = [
            row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
        ]
        declared = [table.name for table in TABLES if table.name in names]
        counts = {
            name: conn.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]
            for name in declared + sorted(set(names) - set(declared))
        }
        oldest, newest = conn.execute("SELECT min(ts), max(ts) FROM events").fetchone()
        feeds = [
            FeedCheckpoint(*row)
            for row in conn.execute(
                'SELECT name, path, "offset", events, last_event_ts, status FROM sources '
                "ORDER BY name"
            )
        ]
        report = CheckReport(
            path=path,
            integrity=integrity,
            schema_version=conn.execute("PRAGMA user_version").fetchone()[0],
            auto_vacuum={0: "none", 1: "full", 2: "incremental"}[
                conn.execute("PRAGMA auto_vacuum").fetchone()[0]
            ],
            size_bytes=file_size(path),
            free_bytes=conn.execute("PRAGMA freelist_count").fetchone()[0] * page_size,
            counts=counts,
            oldest_event=oldest,
            newest_event=newest,
            feeds=feeds,
        )
        conn.execute("COMMIT")
    except sqlite3.Error as error:
        raise StoreError(sqlite_fault(path, error, "read")) from None
    finally:
        conn.close()
    return report


@dataclass
class VacuumReport:
    before_bytes: int
    after_bytes: int
    steps: int
    full: bool


def vacuum(path: str | Path, full: bool = False) -> VacuumReport:
    """Give the store's free pages back to the file system (see the module's docstring)."""
    path = Path(path)
    conn = open_store(path, write=True)
    before = file_size(path)
    steps = 0
    try:
        mode = conn.execute("PRAGMA auto_vacuum").fetchone()[0]
        if full:
            conn.close()
            return _full_vacuum(path, before)
        if mode != 2:
            raise StoreError(
                f"{path}: this store was made without incremental vacuum; run `floorwatch db "
                "vacuum --full` once with the ingest stopped (it rewrites the whole file and "
                "needs as much free space again)"
            )
        while conn.execute("PRAGMA freelist_count").fetchone()[0] > 0:
            conn.execute(f"PRAGMA incremental_vacuum({VACUUM_PAGES})").fetchall()
            steps += 1
            if writer_running(path):
                time.sleep(PAUSE_S)
        conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
    except sqlite3.Error as error:
        raise StoreError(sqlite_fault(path, error)) from None
    finally:
        conn.close()
    return VacuumReport(before, file_size(path), steps, full=False)


def _full_vacuum(path: Path, before: int) -> VacuumReport:
    """VACUUM the whole file (and switch it to incremental vacuum), with no ingest running."""
    lock = WriterLock(path, timeout_s=0)
    try:
        conn = open_store(path, write=True)
        try:
            conn.execute("PRAGMA auto_vacuum = INCREMENTAL")
            conn.execute("VACUUM")
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
        except sqlite3.Error as error:
            raise StoreError(sqlite_fault(path, error)) from None
        finally:
            conn.close()
    finally:
        lock.release()
    return VacuumReport(before, file_size(path), 1, full=True)
