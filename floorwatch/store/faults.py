"""Faults of the store said in one line, and values SQLite cannot hold kept out of it.

SQLite's own words mislead an operator (see `sqlite_fault`); and a value a parser let
through (an integer past 2**63, a lone surrogate, a list) must not fail a whole commit, and
with it every restart on the same line (see `storable`, used by the commit writer's careful
second try).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from pathlib import Path

from floorwatch.safe_text import printable


class StoreError(Exception):
    """The database cannot be used: not ours, newer than this version, missing, unreadable."""


#: What a damaged or vanished database raises under a reader or the burnout monitor (SQLite's
#: errors, or flipped bytes in a text column): callers outside store/ catch these, say them
#: with `sqlite_fault`, and need not import sqlite3.
DATABASE_FAULTS = (sqlite3.DatabaseError, UnicodeDecodeError)

#: What binding a value SQLite cannot hold raises (the careful second try then sorts it out).
VALUE_ERRORS = (
    OverflowError,
    sqlite3.InterfaceError,
    sqlite3.ProgrammingError,
    TypeError,
    ValueError,
    UnicodeEncodeError,
)
_INT64 = (-(1 << 63), (1 << 63) - 1)


def sqlite_fault(path: object, error: BaseException, doing: str = "write") -> str:
    """One line that says what is wrong with the database at `path`, for an operator.

    SQLite's own words mislead here: a full disk surfaced as "cannot rollback - no transaction
    is active", a read-only filesystem as "unable to open database file", flipped bytes as a
    UnicodeDecodeError. The error code says which it is.
    """
    name = getattr(error, "sqlite_errorname", "") or ""
    # The text can quote the damaged bytes themselves: shown, never acted on by a terminal.
    text = printable(str(error)[:200]) if str(error) else type(error).__name__
    if (
        isinstance(error, UnicodeDecodeError)
        or name.startswith("SQLITE_CORRUPT")
        or "malformed" in text
        or "Could not decode to UTF-8" in text
    ):
        return (
            f"{path}: the database is damaged ({text}); restore it from a backup, or "
            f"save what it holds with: sqlite3 {path} .recover"
        )
    if name == "SQLITE_NOTADB":
        return f"{path}: not a SQLite database ({text})"
    if name.startswith("SQLITE_FULL") or "disk is full" in text:
        return (
            f"{path}: the disk is full ({text}); nothing of the last commit was written: "
            "free some space and run the ingest again"
        )
    if name.startswith(("SQLITE_READONLY", "SQLITE_CANTOPEN")) or name == "SQLITE_IOERR_WRITE":
        folder = Path(str(path)).absolute().parent
        if _read_only_filesystem(folder):
            what = (
                "the ingest must write the database there"
                if doing == "write"
                else "SQLite must create the -shm file beside a WAL database to read it "
                "(mount it read-write, or copy the database to a writable folder)"
            )
            return f"{path}: cannot {doing}: {folder} is on a read-only filesystem; {what}"
    return f"{path}: cannot {doing} ({text})"


def _read_only_filesystem(folder: Path) -> bool:
    try:
        return bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except OSError:
        return False


def rollback(conn: sqlite3.Connection) -> None:
    """Undo the open transaction, if SQLite has not already (it rolls back by itself on a full
    disk; a ROLLBACK then would raise and hide the real error)."""
    if conn.in_transaction:
        # The error being raised says more than one from the ROLLBACK.
        with contextlib.suppress(sqlite3.Error):
            conn.execute("ROLLBACK")


def storable(value: object) -> tuple[bool, object]:
    """Whether SQLite can hold `value` as it is, and the value it can (None when not)."""
    if value is None or type(value) in (float, bytes):
        return True, value
    if type(value) is int:
        return (True, value) if _INT64[0] <= value <= _INT64[1] else (False, None)
    if type(value) is bool:
        return True, int(value)
    if type(value) is str:
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return False, value.encode("utf-8", "backslashreplace").decode("ascii")
        return True, value
    return False, None
