"""The store's tables made through sqlite-utils (store/schema_build.py) are the ones
store/schema.py declares, column by column and index by index; a store of schema 2 made by
the release before (tests/fixtures/store-schema2.db) upgrades in place and loses nothing; and
a table or column declared `since=N` is made by the same machinery, whatever it is."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from floorwatch.store import schema, schema_build
from floorwatch.store.database import Store
from floorwatch.store.schema import SCHEMA_VERSION, TABLES
from floorwatch.store.table_spec import Column, Index, Table

from ..helpers import ROOT, call_lines

FIXTURE = ROOT / "tests" / "fixtures" / "store-schema2.db"


def columns(conn: sqlite3.Connection, table: str) -> list[tuple]:
    """(name, type, not null, default, primary key position) of each column, in order."""
    return [tuple(row[1:]) for row in conn.execute(f"PRAGMA table_info({table})")]


def indexes(conn: sqlite3.Connection, table: str) -> set[tuple]:
    """Each index: its name (none for a key's or a unique column's own), whether unique,
    whether partial, and its columns. A UNIQUE column in DDL gets SQLite's automatic index,
    one made by sqlite-utils a unique index of its own name: the same constraint."""
    found = set()
    for _, name, unique, _origin, partial in conn.execute(f"PRAGMA index_list({table})"):
        cols = tuple(row[2] for row in conn.execute(f"PRAGMA index_info('{name}')"))
        own = name.startswith("sqlite_autoindex") or name.endswith("_unique")
        found.add((None if own else name, unique, partial, cols))
    return found


def by_ddl(path: Path) -> sqlite3.Connection:
    """The schema as schema.py's own DDL says it (create_statements)."""
    conn = sqlite3.connect(path, isolation_level=None)
    for statement in schema.create_statements():
        conn.execute(statement)
    return conn


def test_a_new_store_has_every_declared_column_and_index(tmp_path):
    Store.open(tmp_path / "new.db").close()
    made = sqlite3.connect(tmp_path / "new.db")
    declared = by_ddl(tmp_path / "ddl.db")
    assert made.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert made.execute("PRAGMA auto_vacuum").fetchone()[0] == 2  # incremental
    for table in TABLES:
        assert columns(made, table.name) == columns(declared, table.name), table.name
        assert indexes(made, table.name) == indexes(declared, table.name), table.name
    # The partial indexes keep their WHERE clause.
    sql = made.execute("SELECT sql FROM sqlite_master WHERE name = 'calls_open'").fetchone()[0]
    assert sql.endswith("WHERE status != 'done'")


def test_a_store_of_schema_2_from_the_last_release_upgrades_and_keeps_everything(tmp_path):
    db = tmp_path / "old.db"
    shutil.copy(FIXTURE, db)
    old = sqlite3.connect(db)
    assert old.execute("PRAGMA user_version").fetchone()[0] == 2
    before = {
        table.name: old.execute(f"SELECT * FROM {table.name} ORDER BY 1").fetchall()
        for table in TABLES
        if table.since <= 2
    }
    old.close()
    store = Store.open(db)
    try:
        assert store.count("events") == 93
        assert store.count("calls") == 31
        assert store.source(next(iter(s.name for s in store.sources()))).checkpoint.offset > 0
    finally:
        store.close()
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    for table in TABLES:
        got = [c[0] for c in columns(conn, table.name)]
        assert tuple(got) == tuple(c.name for c in table.physical(created=2)), table.name
        if table.name in before:
            width = len(before[table.name][0]) if before[table.name] else 0
            rows = conn.execute(f"SELECT * FROM {table.name} ORDER BY 1").fetchall()
            assert [row[:width] for row in rows] == before[table.name], table.name
    conn.close()


def test_the_upgraded_store_takes_more_of_the_same_feed(tmp_path, make_store):
    db = tmp_path / "old.db"
    shutil.copy(FIXTURE, db)
    make_store([line.replace("|c", "|d", 1) for line in call_lines(5, 1795540000)], db=db)
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT count(*) FROM events").fetchone()[0] == 93 + 15
    assert conn.execute("SELECT count(*) FROM calls").fetchone()[0] == 31 + 5


def test_any_table_or_column_declared_since_a_later_version_is_made(tmp_path):
    """The machinery names no table: a version 3 of made-up tables upgrades a version 2."""
    v2 = (
        Table("things", (Column("id", "INTEGER", primary_key=True), Column("name", "TEXT"))),
        Table("kept", (Column("key", "TEXT", primary_key=True),)),
    )
    v3 = (
        Table(
            "things",
            (
                Column("id", "INTEGER", primary_key=True),
                Column("name", "TEXT"),
                Column("count", "INTEGER", not_null=True, default="0", since=3),
                Column("note", "TEXT", default="'none'", since=3),
                Column("code", "TEXT", unique=True, since=3),
            ),
            indexes=(Index("things_count", "(count)"), Index("things_named", "(id) WHERE name")),
        ),
        Table("kept", (Column("key", "TEXT", primary_key=True),)),
        Table(
            "added",
            (Column("a", "TEXT"), Column("b", "REAL", since=3)),
            primary_key=("a",),
            since=3,
        ),
    )
    conn = sqlite3.connect(tmp_path / "x.db", isolation_level=None)
    v2_meta = (*v2, schema.META)
    schema_build.create_store(conn, v2_meta, version=2)
    conn.execute("INSERT INTO things (name) VALUES ('old')")
    schema_build.upgrade_store(conn, 2, (*v3, schema.META), target=3)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 3
    assert [c[0] for c in columns(conn, "things")] == ["id", "name", "count", "note", "code"]
    assert conn.execute("SELECT * FROM things").fetchall() == [(1, "old", 0, "none", None)]
    conn.execute("INSERT INTO things (name, code) VALUES ('new', 'x')")
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute("INSERT INTO things (name, code) VALUES ('again', 'x')")
    assert {name for name, *_ in indexes(conn, "things")} == {"things_count", "things_named", None}
    assert columns(conn, "added") == [("a", "TEXT", 0, None, 1), ("b", "REAL", 0, None, 0)]


def test_a_column_that_cannot_be_added_later_is_said():
    table = Table("t", (Column("id", "INTEGER", primary_key=True, since=3),))
    conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.execute("CREATE TABLE t (x)")
    with pytest.raises(ValueError, match="primary key cannot be added"):
        schema_build.add_column(schema_build.database(conn), table, table.columns[0])


def test_a_backup_of_the_last_release_restores_checks_and_upgrades_on_the_next_ingest(tmp_path):
    from floorwatch.store.backup import restore
    from floorwatch.store.maintenance import check

    assert check(FIXTURE).schema_version == 2  # check reads an older store as it is
    db = tmp_path / "restored.db"
    report = restore(FIXTURE, db)
    assert report.events == 93
    Store.open(db).close()
    assert check(db).schema_version == SCHEMA_VERSION and check(db).counts["events"] == 93


def test_empty_values_are_stored_as_null_when_none_is_bound_without_the_adapter_search(
    make_store,
):
    """The writer registers NoneType with sqlite3 (store/opening.bind_none_directly) so a
    derived row's empty columns bind cheaply; they must still be NULL, never text."""
    db = make_store(call_lines(4))
    assert (type(None), sqlite3.PrepareProtocol) in sqlite3.adapters
    conn = sqlite3.connect(db)
    rows = conn.execute(
        "SELECT typeof(transfer_target), typeof(wrapup_s), typeof(caller_name), count(*) "
        "FROM calls GROUP BY 1, 2, 3"
    ).fetchall()
    assert rows == [("null", "null", "null", 4)]
    nulls = conn.execute("SELECT count(*) FROM events WHERE agent IS NULL").fetchone()[0]
    assert nulls == 4  # the ENTERQUEUE lines (agent NONE)
