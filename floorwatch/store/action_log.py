"""The audit of supervisor actions: one `actions` row per request the control socket took,
done, failed or refused (schema.ACTIONS says what each column holds), and the one action that
is the store's own: an alarm acknowledged for every viewer.

The ingest writes it from its control server's thread on a connection of its own, beside the
writer process's commits (SQLite serialises the two; an audit row is small and never waits on a
feed). It is written before the reply goes back, so a supervisor who was told "done" or "no"
finds the row.
"""

from __future__ import annotations

import dataclasses
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

from floorwatch.store.faults import StoreError, sqlite_fault
from floorwatch.store.opening import connect
from floorwatch.store.schema import ACTIONS


@dataclass(frozen=True, slots=True)
class ActionRecord:
    """A row to write (ids and nothing else are the database's)."""

    at: float
    user: str
    uid: int | None
    pid: int | None
    action: str
    agent: str | None
    queue: str | None
    reason: str | None
    penalty: int | None
    extension: str | None
    source: str | None
    ami_action: str | None
    outcome: str
    answer: str | None
    alarm_id: int | None = None


@dataclass(frozen=True, slots=True)
class Acknowledged:
    """What an acknowledgement did: taken or not, why not, and the alarm's own words."""

    ok: bool
    why: str
    summary: str | None = None
    #: The name it had been acknowledged with before (a second acknowledgement replaces it).
    before: str | None = None


class ActionLog:
    """Appends audit rows to a store the caller already holds as its writer."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        try:
            self._conn = connect(self.path, readonly=False)
        except sqlite3.Error as error:
            raise StoreError(sqlite_fault(self.path, error, "open")) from None
        self._lock = threading.Lock()
        names = ACTIONS.without("id")
        columns = ", ".join(f'"{name}"' for name in names)
        self._insert = (
            f"INSERT INTO {ACTIONS.name} ({columns}) VALUES ({', '.join('?' * len(names))})"
        )
        self._names = names

    def record(self, row: ActionRecord) -> int:
        """Write one row; its id. StoreError (one line) if the store cannot take it."""
        values = tuple(getattr(row, name) for name in self._names)
        with self._lock:
            try:
                cursor = self._conn.execute(self._insert, values)
            except sqlite3.Error as error:
                raise StoreError(sqlite_fault(self.path, error, "write")) from None
            return int(cursor.lastrowid or 0)

    def acknowledge(
        self, alarm_id: int, name: str, note: str | None, audit: ActionRecord
    ) -> tuple[Acknowledged, int]:
        """Mark an open alarm acknowledged and write the audit row, in one transaction with a
        new `seq` so every viewer sees it on its next poll. A cleared or unknown alarm is not
        marked (the audit row says why); the row's id comes back either way."""
        with self._lock:
            conn = self._conn
            try:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    found = conn.execute(
                        "SELECT cleared_ts, summary, acked_by FROM alarms WHERE id = ?",
                        (alarm_id,),
                    ).fetchone()
                    if found is None:
                        result = Acknowledged(False, f"there is no alarm {alarm_id}")
                    elif found[0] is not None:
                        result = Acknowledged(
                            False, f"alarm {alarm_id} has cleared already", found[1]
                        )
                    else:
                        result = Acknowledged(True, "", found[1], found[2])
                        seq = int(
                            conn.execute("SELECT value FROM meta WHERE key = 'seq'").fetchone()[0]
                        )
                        conn.execute(
                            "UPDATE alarms SET acked_ts = ?, acked_by = ?, ack_note = ?, seq = ? "
                            "WHERE id = ?",
                            (audit.at, name, note, seq + 1, alarm_id),
                        )
                        conn.execute("UPDATE meta SET value = ? WHERE key = 'seq'", (str(seq + 1),))
                    outcome = "done" if result.ok else "refused"
                    answer = result.why or f"as {name}: {result.summary or ''}"
                    row = dataclasses.replace(audit, outcome=outcome, answer=answer)
                    values = tuple(getattr(row, column) for column in self._names)
                    audit_id = int(conn.execute(self._insert, values).lastrowid or 0)
                    conn.execute("COMMIT")
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
            except sqlite3.Error as error:
                raise StoreError(sqlite_fault(self.path, error, "write")) from None
            return result, audit_id

    def close(self) -> None:
        with self._lock:
            self._conn.close()
