"""The SQLite store: schema, opening and locking, derivation, commits, the writer process and
every query. The only package that imports sqlite3.

This face imports nothing, so a pure module can use the row dataclasses without SQLite."""
