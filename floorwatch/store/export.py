"""`floorwatch db export TABLE --csv|--json|--xlsx [--where SQL]`: one table for other tools.

The rows come through sqlite-utils (`Table.rows_where`) on a read-only connection, streamed:
a table of millions of rows is never whole in memory. CSV and spreadsheets get text printable
and never a formula (a name from a feed such as `=HYPERLINK(...)`: `safe_text`); JSON keeps
every value exactly; bytes (a reject's raw bytes) are base64 in JSON, hex elsewhere.
"""

from __future__ import annotations

import base64
import csv
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

from floorwatch.safe_text import spreadsheet_cell
from floorwatch.store.faults import StoreError, sqlite_fault
from floorwatch.store.maintenance import open_store
from floorwatch.store.schema_build import database

FORMATS = ("csv", "json", "xlsx")
#: One spreadsheet sheet's rows, its header included.
XLSX_MAX_ROWS = 1_048_576


def _cell(value: Any) -> Any:
    if isinstance(value, str):
        return spreadsheet_cell(value)
    if isinstance(value, bytes):
        return value.hex()
    return value


def _json_value(value: Any) -> Any:
    if isinstance(value, bytes):
        return {"$base64": True, "encoded": base64.b64encode(value).decode("ascii")}
    return value


class Export:
    """One table's rows, as a `db export` asked for them."""

    def __init__(self, path: str | Path, table: str, where: str | None = None):
        self.path = Path(path)
        self.conn = open_store(self.path, write=False)
        self.db = database(self.conn)
        if not self.db[table].exists():
            names = ", ".join(self.db.table_names())
            self.conn.close()
            raise StoreError(f"{self.path}: no table {table!r} (tables: {names})")
        self.table = self.db[table]
        self.where = where
        self.columns = [column.name for column in self.table.columns]
        if where:
            try:
                self.count()  # a --where that does not read is said before any output
            except StoreError:
                self.conn.close()
                raise

    def count(self) -> int:
        return self._guard(lambda: self.table.count_where(self.where))

    def rows(self) -> Iterator[tuple]:
        try:
            for row in self.table.rows_where(self.where, order_by="rowid"):
                yield tuple(row[name] for name in self.columns)
        except sqlite3.Error as error:
            raise StoreError(self._fault(error)) from None

    def _guard(self, work):
        try:
            return work()
        except sqlite3.Error as error:
            raise StoreError(self._fault(error)) from None

    def _fault(self, error: sqlite3.Error) -> str:
        if isinstance(error, sqlite3.OperationalError) and self.where:
            return f"--where {self.where!r}: {error}"
        return sqlite_fault(self.path, error, "read")

    def close(self) -> None:
        self.conn.close()

    # ------------------------------------------------------------------ formats
    def write_csv(self, out: TextIO) -> int:
        writer = csv.writer(out)
        writer.writerow(self.columns)
        count = 0
        for row in self.rows():
            writer.writerow([_cell(value) for value in row])
            count += 1
        return count

    def write_json(self, out: TextIO) -> int:
        """A JSON array of objects, written a row at a time."""
        count = 0
        out.write("[")
        for row in self.rows():
            record = {
                name: _json_value(value) for name, value in zip(self.columns, row, strict=True)
            }
            out.write(("," if count else "") + "\n" + json.dumps(record, ensure_ascii=False))
            count += 1
        out.write("\n]\n")
        return count

    def write_xlsx(self, target: Path) -> int:
        """A workbook of one sheet named after the table (openpyxl, write-only: streamed)."""
        from openpyxl import Workbook

        total = self.count()
        if total + 1 > XLSX_MAX_ROWS:
            raise StoreError(
                f"{self.table.name}: {total:,} rows do not fit one spreadsheet sheet "
                f"({XLSX_MAX_ROWS - 1:,} at most); narrow it with --where or use --csv"
            )
        book = Workbook(write_only=True)
        sheet = book.create_sheet(self.table.name[:31])
        sheet.append(self.columns)
        count = 0
        for row in self.rows():
            sheet.append([_cell(value) for value in row])
            count += 1
        book.save(target)
        return count
