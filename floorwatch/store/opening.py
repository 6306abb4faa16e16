"""Opening a database: connect, and check it is ours and of a schema this version knows.

Creating or upgrading one is store/schema_build.py's (through sqlite-utils), which only the
writer's open reaches: a viewer opening a store imports none of it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from floorwatch.store.faults import StoreError, sqlite_fault
from floorwatch.store.schema import SCHEMA_VERSION

#: Marks a SQLite file as floorwatch's (PRAGMA application_id): "FlWt".
APPLICATION_ID = 0x466C5754


def connect(path: str | Path, readonly: bool) -> sqlite3.Connection:
    if readonly:
        uri = f"file:{Path(path).absolute().as_posix()}?mode=ro"
        conn = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
    else:
        conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA busy_timeout = 5000")
    return conn


def check_schema(conn: sqlite3.Connection, path: str | Path, readonly: bool) -> int:
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
