"""`floorwatch db prune`: remove what is past the `[retention]` policy, beside a running ingest
and its viewers.

What goes: events older than `events_days`, rejects received before `rejects_days`, and
derived rows that are over (finished calls, closed intervals and memberships, missed rings,
cleared flags) before `derived_days`; each policy cut at a local midnight, and never later
than today's: today is never touched. Open rows (a call still waiting, an interval or a
membership not ended, a flag up) are never pruned, whatever their age: the ingest's deriver
holds them; nor is each agent's current and last call. Neither are `sources` (the feeds' checkpoints), `meta` or
`agents`.

Rows go in bounded transactions, a range of ids at a time, each kept to about a tenth of a
second; while an ingest holds the store, a pause longer than SQLite's longest busy-wait step
(100 ms) follows each, so the ingest's next commit gets in: it waits one short transaction at
most, far below its busy timeout. Readers (WAL) never wait. One prune at a time (TaskLock).
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from floorwatch.clock import local_day_start
from floorwatch.retention_config import RetentionConfig
from floorwatch.store.archive import MonthArchive
from floorwatch.store.faults import rollback
from floorwatch.store.lock import writer_running
from floorwatch.store.reading import read_events


@dataclass(frozen=True)
class Rule:
    """Which rows of a table a policy removes: those whose `over` time is before the cut, and
    none that `open` says is still going."""

    table: str
    over: str  # SQL: when the row was over (epoch seconds; NULL: not over)
    open: str | None = None  # SQL: true for a row that is never pruned


#: Calls derivation holds by reference (store/restart_state.py): open ones, and each agent's
#: current and last call. (A recent close it keeps for late events, if ever older than the
#: policy, is written back whole should such an event come.)
_CALLS_HELD = (
    "status != 'done' OR id IN (SELECT call_ref FROM agents WHERE call_ref IS NOT NULL) "
    "OR id IN (SELECT last_call_ref FROM agents WHERE last_call_ref IS NOT NULL)"
)

RULES: dict[str, tuple[Rule, ...]] = {
    "events": (Rule("events", "ts"),),
    "derived": (
        Rule("calls", "coalesce(ended_at, wait_end_at, enqueued_at)", _CALLS_HELD),
        Rule("agent_states", '"end"'),
        Rule("pauses", '"end"'),
        Rule("memberships", "left_at"),
        Rule("misses", "ts"),
        Rule("burnout_flags", "cleared_at"),
    ),
    "rejects": (Rule("rejects", "received_at"),),
}

#: How long one transaction should hold the write lock, and the pause after it while an
#: ingest runs (longer than SQLite's longest busy-handler sleep, 100 ms).
TRANSACTION_S = 0.1
PAUSE_S = 0.12


def _where(rule: Rule) -> str:
    return f"{rule.over} < ?" + (f" AND NOT ({rule.open})" if rule.open else "")


def cut_for(days: float, now: float, zone: ZoneInfo | None) -> float:
    """The instant before which a policy of `days` removes rows: the local midnight of the day
    `days` ago, never later than today's."""
    today = local_day_start(now, zone)
    return min(local_day_start(now - days * 86400, zone), today)


@dataclass
class PruneReport:
    """What a prune removed (or, dry, would remove): per table, with the cut applied."""

    dry_run: bool
    cuts: dict[str, float] = field(default_factory=dict)  # table -> cut
    removed: dict[str, int] = field(default_factory=dict)  # table -> rows
    archived: int = 0
    archive_files: list[Path] = field(default_factory=list)
    transactions: int = 0
    longest_transaction_s: float = 0.0
    elapsed_s: float = 0.0


class Pruner:
    """Prunes one store through its own connection (opened by store/maintenance.py)."""

    def __init__(
        self,
        conn: sqlite3.Connection,
        database: Path,
        policy: RetentionConfig,
        zone: ZoneInfo | None,
        *,
        clock: Callable[[], float] = time.time,
        archive: Path | None = None,
        ids_per_step: int = 2_000,
    ):
        self.conn = conn
        self.database = database
        self.policy = policy
        self.zone = zone
        self.clock = clock
        self.archive_folder = archive
        self.step = ids_per_step

    def run(self, dry_run: bool = False, progress: Callable[[str, int], None] | None = None):
        """Prune every table with a policy; a PruneReport."""
        started = time.perf_counter()
        now = self.clock()
        report = PruneReport(dry_run)
        archive = (
            MonthArchive(self.archive_folder, self.zone)
            if self.archive_folder is not None and not dry_run
            else None
        )
        try:
            for kind, days in self.policy.policies().items():
                cut = cut_for(days, now, self.zone)
                for rule in RULES[kind]:
                    report.cuts[rule.table] = cut
                    if dry_run:
                        report.removed[rule.table] = self._count(rule, cut)
                    else:
                        into = archive if rule.table == "events" else None
                        report.removed[rule.table] = self._prune(rule, cut, report, into, progress)
        finally:
            if archive is not None:
                archive.close()
                report.archived = archive.written
                report.archive_files = archive.files
        report.elapsed_s = time.perf_counter() - started
        return report

    def _count(self, rule: Rule, cut: float) -> int:
        sql = f"SELECT count(*) FROM {rule.table} WHERE {_where(rule)}"
        return self.conn.execute(sql, (cut,)).fetchone()[0]

    def _prune(self, rule, cut, report, archive, progress) -> int:
        conn = self.conn
        low, high = conn.execute(f"SELECT min(id), max(id) FROM {rule.table}").fetchone()
        if low is None:
            return 0
        removed, step = 0, self.step
        while low <= high:
            upper = low + step
            began = time.perf_counter()
            ids = self._archived(archive, rule, low, upper, cut) if archive is not None else None
            held = 0.0
            if ids is None:
                sql = f"DELETE FROM {rule.table} WHERE id >= ? AND id < ? AND {_where(rule)}"
                count, held = self._delete(sql, (low, upper, cut))
            elif ids:  # exactly the rows archived (events are never changed, only added)
                sql = f"DELETE FROM {rule.table} WHERE id IN (SELECT value FROM json_each(?))"
                count, held = self._delete(sql, (json.dumps(ids),))
            if held:
                removed += count
                report.transactions += 1
                report.longest_transaction_s = max(report.longest_transaction_s, held)
            if progress is not None:
                progress(rule.table, removed)
            low = upper
            # Keep each transaction near TRANSACTION_S whatever the rows cost (growing 4x at
            # most); with an archive, what is read outside the lock stays a bounded chunk.
            busy = held or time.perf_counter() - began
            largest = 50_000 if archive is not None else 500_000
            step = max(500, min(largest, int(step * min(4.0, TRANSACTION_S / max(busy, 1e-4)))))
            if held and writer_running(self.database):
                time.sleep(PAUSE_S)
        return removed

    def _delete(self, sql: str, params: tuple) -> tuple[int, float]:
        """One bounded write transaction: rows deleted, and how long the lock was held."""
        conn = self.conn
        began = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        try:
            count = conn.execute(sql, params).rowcount
            conn.execute("COMMIT")
        except BaseException:
            rollback(conn)
            raise
        return count, max(time.perf_counter() - began, 1e-6)

    def _archived(self, archive: MonthArchive, rule: Rule, low: int, upper: int, cut: float):
        """Write the events of one step to the archive and onto the disk, read in one read
        transaction (no write lock held meanwhile); their ids, which are then deleted."""
        conn = self.conn
        params = (low, upper, cut)
        conn.execute("BEGIN")
        try:
            ids = [
                row[0]
                for row in conn.execute(
                    f"SELECT id FROM events WHERE id >= ? AND id < ? AND {rule.over} < ? "
                    "ORDER BY id",
                    params,
                )
            ]
            events = read_events(conn, f"e.id >= ? AND e.id < ? AND e.{rule.over} < ?", params)
        finally:
            conn.execute("COMMIT")
        archive.write(events)
        archive.flush()  # on disk before the rows it holds are deleted
        return ids
