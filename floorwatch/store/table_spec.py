"""The shape of a table declaration: its columns, indexes and key, and the DDL made from them.

store/schema.py declares every table with these; the DDL, the migrations and the column lists
of every read and write come from there. No SQLite here.
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # INTEGER, REAL, TEXT or BLOB
    not_null: bool = False
    default: str | None = None  # an SQL literal
    primary_key: bool = False
    unique: bool = False
    since: int = 1  # the schema version that added it

    def ddl(self) -> str:
        parts = [f'"{self.name}"', self.type]
        if self.primary_key:
            parts.append("PRIMARY KEY")
        if self.unique:
            parts.append("UNIQUE")
        if self.not_null:
            parts.append("NOT NULL")
        if self.default is not None:
            parts.append(f"DEFAULT {self.default}")
        return " ".join(parts)


@dataclass(frozen=True)
class Index:
    name: str
    on: str  # the indexed columns, and a WHERE clause for a partial index

    def ddl(self, table: str) -> str:
        return f"CREATE INDEX {self.name} ON {table} {self.on}"


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    indexes: tuple[Index, ...] = ()
    #: A primary key of several columns (a single one is marked on its column).
    primary_key: tuple[str, ...] = ()
    since: int = 1

    @functools.cached_property
    def names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)

    def column(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(f"{self.name} has no column {name!r}")

    def without(self, *names: str) -> tuple[str, ...]:
        """The column names but these (what a writer supplies, e.g. all but `seq`)."""
        for name in names:
            self.column(name)
        return tuple(name for name in self.names if name not in names)

    def create(self) -> list[str]:
        """The statements that create the table as this version declares it."""
        body = [column.ddl() for column in self.columns]
        if self.primary_key:
            body.append(f"PRIMARY KEY ({', '.join(self.primary_key)})")
        return [f"CREATE TABLE {self.name} ({', '.join(body)})"] + [
            index.ddl(self.name) for index in self.indexes
        ]

    def as_of(self, version: int) -> Table:
        """The table as schema `version` declared it (an upgrade creates a table of an
        intermediate version so, and adds the later columns in their own steps)."""
        columns = tuple(column for column in self.columns if column.since <= version)
        return dataclasses.replace(self, columns=columns)

    def physical(self, created: int) -> tuple[Column, ...]:
        """The columns in the order a store created at schema `created` (and upgraded since)
        holds them: its own columns as declared, then those added since, as they were added."""
        own = [column for column in self.columns if column.since <= created]
        added = sorted((c for c in self.columns if c.since > created), key=lambda c: c.since)
        return tuple(own + added)


def quoted(names: tuple[str, ...] | list[str]) -> str:
    """A column list for SQL: every name quoted (`offset` and `end` are keywords)."""
    return ", ".join(f'"{name}"' for name in names)


def row_columns(row_type: type) -> tuple[str, ...]:
    """The columns a row dataclass is read from, in its fields' order: a field's own name, or
    the column its metadata names (`field(metadata={"column": ...})`)."""
    return tuple(field.metadata.get("column", field.name) for field in dataclasses.fields(row_type))
