"""`floorwatch db backup FILE` and `floorwatch db restore FILE`.

A backup is SQLite's online backup API copying the store in one step, inside one read
transaction: a consistent picture of a moment (every commit of the ingest before it, none
after), taken while the ingest goes on writing (WAL: it never waits for the copy). It is
written beside FILE as FILE.partial, checked, made one self-contained file (journal mode
DELETE), synced and only then renamed to FILE: a backup that fails (a full disk) leaves no
file that looks like one, and the store itself is never touched.

A restore copies a backup beside the store through the same API and renames it over the
store, with no ingest running (it takes the writer's lock). Viewers may stay open: they see a
new file at the path and reopen it (snapshot/live.py). The feeds' checkpoints are the backup's,
so the next ingest goes on from exactly where the backed-up store was: the lines after it are
read again, none twice.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from floorwatch.store.faults import StoreError, sqlite_fault
from floorwatch.store.lock import WriterLock
from floorwatch.store.maintenance import file_size, open_store


@dataclass
class BackupReport:
    target: Path
    size_bytes: int
    events: int
    seq: int


def _full_disk(error: BaseException) -> bool:
    name = getattr(error, "sqlite_errorname", "") or ""
    return (
        name.startswith("SQLITE_FULL")
        or "disk is full" in str(error)
        or getattr(error, "errno", None) in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)
    )


def backup(path: str | Path, target: str | Path) -> BackupReport:
    """Copy the store at `path` to `target` (see the module's docstring)."""
    path, target = Path(path), Path(target)
    if target.exists() and target.resolve() == path.resolve():
        raise StoreError(f"{target}: is the database itself; back it up to another file")
    if not target.parent.is_dir():
        raise StoreError(f"{target.parent}: no such directory")
    partial = target.with_name(target.name + ".partial")
    source = open_store(path, write=False)
    try:
        partial.unlink(missing_ok=True)
        copy = sqlite3.connect(partial, isolation_level=None)
        try:
            source.backup(copy)  # one step: one read transaction, one moment
            copy.execute("PRAGMA journal_mode = DELETE").fetchall()
            problems = [row[0] for row in copy.execute("PRAGMA quick_check")]
            if problems != ["ok"]:
                raise StoreError(f"{target}: the copy does not check ({problems[0]})")
            events = copy.execute("SELECT count(*) FROM events").fetchone()[0]
            seq = int(copy.execute("SELECT value FROM meta WHERE key = 'seq'").fetchone()[0])
        finally:
            copy.close()
        with open(partial, "rb") as written:
            os.fsync(written.fileno())
        os.replace(partial, target)
    except (sqlite3.Error, OSError) as error:
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)
        if _full_disk(error):
            raise StoreError(
                f"{target}: the disk is full; no backup was written (the partial copy is "
                "removed, the store is untouched): free some space or back up elsewhere"
            ) from None
        raise StoreError(sqlite_fault(target, error)) from None
    finally:
        source.close()
    return BackupReport(target, file_size(target), events, seq)


def restore(backup_file: str | Path, path: str | Path) -> BackupReport:
    """Put a backup back as the store at `path` (no ingest may be running)."""
    backup_file, path = Path(backup_file), Path(path)
    saved = open_store(backup_file, write=False, older_ok=True)  # the ingest upgrades it
    fresh = path.with_name(path.name + ".restoring")
    try:
        problems = [row[0] for row in saved.execute("PRAGMA quick_check")]
        if problems != ["ok"]:
            raise StoreError(f"{backup_file}: damaged, not restored ({problems[0]})")
        lock = WriterLock(path, timeout_s=0)
        try:
            if path.exists() and path.stat().st_size:
                open_store(path, write=False, older_ok=True).close()  # refuses a file not ours
            fresh.unlink(missing_ok=True)
            copy = sqlite3.connect(fresh, isolation_level=None)
            try:
                saved.backup(copy)
                copy.execute("PRAGMA journal_mode = WAL").fetchall()
                events = copy.execute("SELECT count(*) FROM events").fetchone()[0]
                seq = int(copy.execute("SELECT value FROM meta WHERE key = 'seq'").fetchone()[0])
            finally:
                copy.close()  # (the last connection: its -wal is checkpointed and removed)
            with open(fresh, "rb") as written:
                os.fsync(written.fileno())
            # The old file's -wal and -shm must not be read as the new one's. No writer runs
            # (the lock), so they hold no frame a reader still needs beyond its open file.
            for suffix in ("-wal", "-shm"):
                path.with_name(path.name + suffix).unlink(missing_ok=True)
            os.replace(fresh, path)  # a new file: open viewers see it and reopen
        finally:
            lock.release()
    except (sqlite3.Error, OSError) as error:
        with contextlib.suppress(OSError):
            fresh.unlink(missing_ok=True)
        if _full_disk(error):
            raise StoreError(
                f"{path}: the disk is full; nothing was restored (the store is as it was): "
                "free some space"
            ) from None
        raise StoreError(sqlite_fault(path, error)) from None
    finally:
        saved.close()
    return BackupReport(path, file_size(path), events, seq)
