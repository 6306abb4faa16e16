"""The SQLite store: raw events (the truth), derived tables, feed checkpoints.

One writer (the ingest) commits each batch of events in one transaction together with the
derived rows it changed and the source checkpoint, so a restart resumes exactly: nothing lost,
nothing twice. Any number of readers open the file read-only (`mode=ro`) beside it; WAL mode
keeps them from blocking the writer. Every derived row carries the `seq` of the transaction
that last changed it, so a reader can fetch only what changed since it last looked.

The tables are declared in store/schema.py, opened and upgraded by store/opening.py, locked by
store/lock.py; reads go through `Store.queries` (store/queries.py); the connection itself
stays inside store/.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from pathlib import Path

from floorwatch.sources.base import Batch
from floorwatch.store.commit import BatchRows, Commit, CommitWriter, compact_json, configure_writer
from floorwatch.store.derive import DeriveConfig, Deriver
from floorwatch.store.faults import StoreError, rollback, sqlite_fault
from floorwatch.store.lock import WriterLock
from floorwatch.store.opening import APPLICATION_ID, check_schema, connect
from floorwatch.store.reading import ReadOnlyStore, SourceRow
from floorwatch.store.restart_state import load_state
from floorwatch.store.schema import SCHEMA_VERSION

__all__ = ["APPLICATION_ID", "SCHEMA_VERSION", "SourceRow", "Store", "StoreError", "WriterLock"]


class Store(ReadOnlyStore):
    """A floorwatch database. Open with `Store.open` (writer) or `Store.open_readonly`."""

    #: How long `open` waits for another writer (a killed ingest's writer process finishing).
    LOCK_TIMEOUT_S = 10.0

    def __init__(
        self,
        conn: sqlite3.Connection,
        path: str | Path,
        readonly: bool,
        lock: WriterLock | None = None,
    ):
        super().__init__(conn, path, readonly, lock)
        self.deriver: Deriver | None = None
        self._writer: CommitWriter | None = None

    # ----------------------------------------------------------------- opening
    @classmethod
    def open(
        cls,
        path: str | Path,
        derive_config: DeriveConfig | None = None,
        *,
        lock_timeout_s: float | None = None,
    ) -> Store:
        """Open (creating or upgrading it if needed) as the one writer."""
        path = Path(path)
        if path.is_dir():
            raise StoreError(f"{path}: is a directory, not a database file")
        if not path.parent.exists():
            raise StoreError(f"{path.parent}: no such directory")
        lock = WriterLock(path, cls.LOCK_TIMEOUT_S if lock_timeout_s is None else lock_timeout_s)
        try:
            conn = connect(path, readonly=False)
        except sqlite3.Error as error:
            lock.release()
            raise StoreError(sqlite_fault(path, error, "open")) from None
        try:
            version = check_schema(conn, path, readonly=False)
            if version < SCHEMA_VERSION:
                # sqlite-utils (store/schema_build.py) only when there is schema to make:
                # an ingest reopening its store of today's version never imports it.
                from floorwatch.store import schema_build

                if version == 0:
                    schema_build.prepare_new(conn)
                configure_writer(conn)
                schema_build.create_or_upgrade(conn, version)
            else:
                configure_writer(conn)
            store = cls(conn, path, readonly=False, lock=lock)
            store.deriver = Deriver(derive_config)
            store.deriver.load(load_state(conn))
        except (sqlite3.Error, UnicodeDecodeError) as error:
            rollback(conn)
            conn.close()
            lock.release()
            raise StoreError(sqlite_fault(path, error)) from None
        except StoreError:
            conn.close()
            lock.release()
            raise
        return store

    # ----------------------------------------------------------------- writing
    def stage(self, batch: Batch) -> BatchRows:
        """Derive from one batch and gather its own rows; the derived rows it changed are
        gathered by `commit_of`, once for however many batches are staged (no SQL here).

        The deriver moves on at once: what is staged must then be written (`write`, or the
        ingest's writer process), or the state reloaded with `reload` if it cannot be.
        """
        assert self.deriver is not None, "read-only store"
        rows = BatchRows.of(batch.parsed())  # the events as the feed has them, before aliases
        if batch.events:
            failed = self.deriver.apply(batch.events)
            if failed:
                rows.drop_events(failed)
        return rows

    def commit_of(self, staged: list[BatchRows]) -> Commit:
        """The commit of the batches staged since the last one, with the derived rows changed."""
        assert self.deriver is not None, "read-only store"
        return Commit(staged, self.deriver.take_changes())

    def prepare(self, batches: Iterable[Batch]) -> Commit:
        """Stage `batches` and make them one commit."""
        return self.commit_of([self.stage(batch) for batch in batches])

    def write(self, batches: Iterable[Batch]) -> int:
        """Commit batches (events, rejects, derived rows, checkpoints) in one transaction.

        Returns the new change sequence number. On any error nothing is committed and the
        derived state is reloaded from the database, so memory never runs ahead of the file.
        """
        try:
            commit = self.prepare(batches)
            if self._writer is None:
                self._writer = CommitWriter(self._conn)
            return self._writer.apply(commit)
        except BaseException:
            self.reload()
            raise

    def reload(self) -> None:
        """Derived state as the database has it (after a commit that could not be written)."""
        assert self.deriver is not None, "read-only store"
        self._writer = None
        self.deriver = Deriver(self.deriver.config)
        self.deriver.load(load_state(self._conn))

    def write_flags(self, changes) -> int | None:
        """Record burnout flags raised, updated and cleared (floorwatch.snapshot.burnout.FlagChanges)."""
        if not changes:
            return None
        conn = self._conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            seq = int(conn.execute("SELECT value FROM meta WHERE key = 'seq'").fetchone()[0]) + 1
            for flag in changes.raised + changes.updated + changes.cleared:
                stretch = flag.stretch or (None, None)
                values = (
                    flag.agent,
                    flag.rule,
                    flag.severity,
                    flag.since,
                    flag.raised_at,
                    flag.cleared_at,
                    flag.last_true_at,
                    flag.summary,
                    compact_json(flag.evidence),
                    stretch[0],
                    stretch[1],
                    seq,
                )
                flag_id = getattr(flag, "store_id", None)
                if flag_id is None:
                    cursor = conn.execute(
                        "INSERT INTO burnout_flags (agent, rule, severity, since, raised_at, "
                        "cleared_at, last_true_at, summary, evidence, stretch_start, stretch_end,"
                        " seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        values,
                    )
                    flag.store_id = cursor.lastrowid
                else:
                    conn.execute(
                        "UPDATE burnout_flags SET agent = ?, rule = ?, severity = ?, since = ?, "
                        "raised_at = ?, cleared_at = ?, last_true_at = ?, summary = ?, "
                        "evidence = ?, stretch_start = ?, stretch_end = ?, seq = ? WHERE id = ?",
                        values + (flag_id,),
                    )
            conn.execute("UPDATE meta SET value = ? WHERE key = 'seq'", (str(seq),))
            conn.execute("COMMIT")
        except BaseException:
            rollback(conn)
            raise
        return seq

    def write_alarms(self, changes, hooks=()) -> int | None:
        """Record alarms raised, updated and cleared (floorwatch.snapshot.alarms.AlarmChanges)
        and the notification hooks' health (`hooks`: HookRow-like objects that changed), in
        one transaction with a new `seq`, so viewers see them on their next poll."""
        alarms = list(changes.raised) + list(changes.updated) + list(changes.cleared)
        hooks = list(hooks)
        if not alarms and not hooks:
            return None
        conn = self._conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            seq = int(conn.execute("SELECT value FROM meta WHERE key = 'seq'").fetchone()[0]) + 1
            for alarm in alarms:
                values = (
                    alarm.rule,
                    alarm.severity,
                    alarm.queue,
                    alarm.agent,
                    alarm.source,
                    alarm.raised_ts,
                    alarm.cleared_ts,
                    alarm.value,
                    alarm.peak,
                    alarm.threshold,
                    alarm.summary,
                    seq,
                )
                if alarm.store_id is None:
                    cursor = conn.execute(
                        "INSERT INTO alarms (rule, severity, queue, agent, source, raised_ts, "
                        "cleared_ts, value, peak, threshold, summary, seq) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        values,
                    )
                    alarm.store_id = cursor.lastrowid
                else:
                    conn.execute(
                        "UPDATE alarms SET rule = ?, severity = ?, queue = ?, agent = ?, "
                        "source = ?, raised_ts = ?, cleared_ts = ?, value = ?, peak = ?, "
                        "threshold = ?, summary = ?, seq = ? WHERE id = ?",
                        values + (alarm.store_id,),
                    )
            for hook in hooks:
                conn.execute(
                    "INSERT OR REPLACE INTO alarm_hooks (name, status, detail, sent, failures, "
                    "pending, updated_at, seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        hook.name,
                        hook.status,
                        hook.detail,
                        hook.sent,
                        hook.failures,
                        hook.pending,
                        hook.updated_at,
                        seq,
                    ),
                )
            conn.execute("UPDATE meta SET value = ? WHERE key = 'seq'", (str(seq),))
            conn.execute("COMMIT")
        except BaseException:
            rollback(conn)
            raise
        return seq
