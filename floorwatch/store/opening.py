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


def bind_none_directly() -> None:
    """Make sqlite3 bind None without its adapter search.

    sqlite3 binds int, float and str at once, but None goes through its adapter search first
    (a key tuple built, a dict missed, two attribute lookups) for every value: 0.3-0.5 us per
    None, which is most of the cost of writing a derived call row (seven of its 28 columns are
    empty on a typical call). With NoneType in the adapter table the search is one dict hit;
    the adapter (a dict's get, in C) returns None, which is bound as NULL as before. This sets
    sqlite3's table for the whole process, to the same values: idempotent and harmless to
    every other connection.
    """
    sqlite3.register_adapter(type(None), _ALWAYS_NONE)


#: A C function of one argument that returns None: cheaper per call than a Python lambda.
_ALWAYS_NONE = {}.get


def connect(path: str | Path, readonly: bool) -> sqlite3.Connection:
    bind_none_directly()
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
