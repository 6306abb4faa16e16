"""Opening a database: connect, check it is ours and of a schema this version knows, create
or upgrade it. The tables come from store/schema.py (`create_statements`, `migration`)."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from floorwatch.store.faults import StoreError, sqlite_fault
from floorwatch.store.schema import SCHEMA_VERSION, create_statements, migration

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


def create_or_upgrade(conn: sqlite3.Connection, version: int) -> None:
    """Create the tables of a new store (`version` 0), or upgrade an older one in place, one
    version per transaction (a store upgraded has the columns added since at the end of their
    tables: `schema.Table.physical`)."""
    if version == 0:
        conn.execute("BEGIN IMMEDIATE")
        for statement in create_statements():
            conn.execute(statement)
        conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        conn.execute(
            "INSERT INTO meta (key, value) VALUES ('seq', '0'), ('created_at', ?)",
            (str(time.time()),),
        )
        conn.execute("COMMIT")
    while version and version < SCHEMA_VERSION:
        conn.execute("BEGIN IMMEDIATE")
        for statement in migration(version):
            conn.execute(statement)
        version += 1
        conn.execute(f"PRAGMA user_version = {version}")
        conn.execute("COMMIT")
