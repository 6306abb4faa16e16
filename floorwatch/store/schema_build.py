"""Creating and upgrading the store's tables through sqlite-utils, from store/schema.py.

store/schema.py declares every table once (columns, keys, indexes, the version each came in);
this module turns those declarations into sqlite-utils calls: `Table.create` for a table,
`create_index` for an index, `add_column` for a column a later version added to an older
table, and `transform` for what `ALTER TABLE` cannot do (a default on a column that may be
empty). Any table or column declared `since=N` is created or added when a store older than N
is opened by the writer: nothing here names a table.

Only the writer's open (when a store is new or older) and the maintenance commands import
this module; a viewer never does (the import contracts and tests/unit/test_import_hygiene.py
check it), and the hot insert path stays on the connection's `executemany`.
"""

from __future__ import annotations

import re
import sqlite3
import sys
import time
from collections.abc import Sequence
from types import ModuleType
from typing import Any

from floorwatch.store.opening import APPLICATION_ID
from floorwatch.store.schema import SCHEMA_VERSION, TABLES
from floorwatch.store.table_spec import Column, Index, Table

_INDEX_ON = re.compile(r"^\s*\((?P<columns>[^)]*)\)\s*(?:WHERE\s+(?P<where>.+))?$", re.S | re.I)


def import_sqlite_utils() -> ModuleType:
    """sqlite_utils, without the pandas and numpy it would load when they are installed.

    sqlite-utils imports both at its own import (to store their values) when it finds them,
    about 0.5 s and 40 MB in a process that uses neither: here they are hidden while it is
    imported (it then goes without them, as when they are not installed), unless the process
    has loaded them already. Nothing of floorwatch hands sqlite-utils a pandas or numpy value.
    """
    if "sqlite_utils" in sys.modules:
        return sys.modules["sqlite_utils"]
    hidden = [name for name in ("pandas", "numpy") if name not in sys.modules]
    for name in hidden:
        sys.modules[name] = None  # type: ignore[assignment]  # `import name` raises ImportError
    try:
        import sqlite_utils
    finally:
        for name in hidden:
            if sys.modules.get(name) is None:
                del sys.modules[name]
    return sqlite_utils


def database(conn: sqlite3.Connection) -> Any:
    """A sqlite_utils.Database on the store's own connection (no plugins, no pragmas)."""
    sqlite_utils = import_sqlite_utils()
    return sqlite_utils.Database(conn, recursive_triggers=False, execute_plugins=False)


def _default(literal: str) -> Any:
    """A Column's SQL literal default as sqlite-utils takes it (it quotes what it is handed)."""
    for kind in (int, float):
        try:
            return kind(literal)
        except ValueError:
            pass
    return literal  # a quoted string or an expression: sqlite-utils keeps those as they are


def index_columns(index: Index) -> tuple[list[str], str | None]:
    """An Index's columns and the WHERE clause of a partial index (None for a whole one)."""
    match = _INDEX_ON.match(index.on)
    if match is None:
        raise ValueError(f"index {index.name}: cannot read {index.on!r}")
    columns = [part.strip().strip('"') for part in match["columns"].split(",")]
    return columns, match["where"]


def create_index(db: Any, table: Table, index: Index) -> None:
    """sqlite-utils' create_index; a partial index (which it cannot say) from its own DDL."""
    columns, where = index_columns(index)
    if where is None:
        db[table.name].create_index(columns, index_name=index.name, if_not_exists=True)
    else:
        db.execute(index.ddl(table.name).replace("CREATE INDEX", "CREATE INDEX IF NOT EXISTS", 1))


def create_table(db: Any, table: Table) -> None:
    """The table as `table` declares it, with its indexes."""
    single = [column.name for column in table.columns if column.primary_key]
    pk: Any = tuple(table.primary_key) if table.primary_key else (single[0] if single else None)
    db[table.name].create(
        {column.name: column.type for column in table.columns},
        pk=pk,
        column_order=list(table.names),
        not_null={column.name for column in table.columns if column.not_null},
        defaults={c.name: _default(c.default) for c in table.columns if c.default is not None},
    )
    for column in table.columns:
        if column.unique:
            db[table.name].create_index(
                [column.name], index_name=f"{table.name}_{column.name}_unique", unique=True
            )
    for index in table.indexes:
        create_index(db, table, index)


def add_column(db: Any, table: Table, column: Column) -> None:
    """A column a later version added, at the end of the table (`Table.physical`)."""
    if column.primary_key:
        raise ValueError(f"{table.name}.{column.name}: a primary key cannot be added later")
    if column.not_null and column.default is None:
        raise ValueError(f"{table.name}.{column.name}: NOT NULL needs a default to be added")
    target = db[table.name]
    if column.not_null:
        target.add_column(column.name, column.type, not_null_default=_default(column.default))
    else:
        target.add_column(column.name, column.type)
        if column.default is not None:
            # sqlite-utils' add_column says no default for a column that may be empty:
            # transform rebuilds the table with it, and the rows already there take it, as
            # they would from ALTER TABLE ... DEFAULT.
            target.transform(defaults={column.name: _default(column.default)})
            db.execute(f'UPDATE "{table.name}" SET "{column.name}" = {column.default}')
    if column.unique:
        target.create_index(
            [column.name], index_name=f"{table.name}_{column.name}_unique", unique=True
        )


def create_store(
    conn: sqlite3.Connection, tables: Sequence[Table] = TABLES, version: int = SCHEMA_VERSION
) -> None:
    """A new store's every table and index, its marks and its first meta rows, in one
    transaction. (Call `prepare_new` first, before the journal mode is set.)"""
    db = database(conn)
    conn.execute("BEGIN IMMEDIATE")
    try:
        for table in tables:
            create_table(db, table)
        conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        conn.execute(f"PRAGMA user_version = {version}")
        conn.execute(
            "INSERT INTO meta (key, value) VALUES ('seq', '0'), ('created_at', ?)",
            (str(time.time()),),
        )
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


def upgrade_store(
    conn: sqlite3.Connection,
    version: int,
    tables: Sequence[Table] = TABLES,
    target: int = SCHEMA_VERSION,
) -> None:
    """Upgrade a store of schema `version` to `target` in place, one version per transaction:
    the tables each version added are created whole, the columns it added to older tables go
    at their end, and any declared index a store lacks is made."""
    db = database(conn)
    while version < target:
        conn.execute("BEGIN IMMEDIATE")
        try:
            for table in tables:
                if table.since == version + 1:
                    create_table(db, table.as_of(version + 1))
                elif table.since <= version:
                    for column in table.columns:
                        if column.since == version + 1:
                            add_column(db, table, column)
                    for index in table.indexes:
                        create_index(db, table, index)
            version += 1
            conn.execute(f"PRAGMA user_version = {version}")
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise


def prepare_new(conn: sqlite3.Connection) -> None:
    """On an empty file, before its journal mode is set: free pages can be given back to the
    file system in small steps (`floorwatch db vacuum`), beside the ingest and its readers."""
    conn.execute("PRAGMA auto_vacuum = INCREMENTAL")


def create_or_upgrade(conn: sqlite3.Connection, version: int) -> None:
    """Create the tables of a new store (`version` 0), or upgrade an older one in place (a
    store upgraded has the columns added since at the end of their tables:
    `table_spec.Table.physical`)."""
    if version == 0:
        create_store(conn)
    elif version < SCHEMA_VERSION:
        upgrade_store(conn, version)
