"""Every query of the read side: what viewers, reports and the burnout monitor ask the store.

Each method names what it reads; each row dataclass (store/rows.py) is read by its columns'
names (`select`), so no caller counts positions. The viewers' transactions and aggregates are
here too: nothing outside store/ holds the connection.
"""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TypeVar

from floorwatch.store import schema
from floorwatch.store.rows import (
    ActionRow,
    AgentRow,
    AlarmRow,
    CallRow,
    FlagRow,
    HookRow,
    IntervalRow,
    MembershipRow,
    MissRow,
    RatingRow,
    ScheduleRow,
    SourceStatus,
)
from floorwatch.store.table_spec import Table, quoted, row_columns

Row = TypeVar("Row")

#: Each row dataclass and the table it is read from.
_TABLE_OF = {
    CallRow: schema.CALLS,
    MembershipRow: schema.MEMBERSHIPS,
    MissRow: schema.MISSES,
    AgentRow: schema.AGENTS,
    SourceStatus: schema.SOURCES,
    FlagRow: schema.BURNOUT_FLAGS,
    ActionRow: schema.ACTIONS,
    AlarmRow: schema.ALARMS,
    HookRow: schema.ALARM_HOOKS,
    RatingRow: schema.RATINGS,
    ScheduleRow: schema.SCHEDULES,
}


@functools.cache
def select(row_type: type, table: Table | None = None) -> str:
    """`SELECT <the row's columns> FROM <its table>`: the columns named by the dataclass's
    fields, each checked to be a column of the table (a KeyError on import otherwise)."""
    table = table or _TABLE_OF[row_type]
    names = row_columns(row_type)
    for name in names:
        table.column(name)
    return f"SELECT {quoted(names)} FROM {table.name}"


class StoreQueries:
    """The read side of one connection (the store's own, or a viewer's read-only one)."""

    def __init__(self, conn: sqlite3.Connection):
        self._conn = conn

    def _rows(
        self, row_type: type[Row], where: str, params: Sequence = (), table: Table | None = None
    ) -> list[Row]:
        sql = select(row_type, table) + (f" WHERE {where}" if where else "")
        return [row_type(*row) for row in self._conn.execute(sql, params)]

    def _value(self, sql: str, params: Sequence = ()):
        return self._conn.execute(sql, params).fetchone()[0]

    @contextmanager
    def read_transaction(self) -> Iterator[None]:
        """Several reads that see one commit (WAL: the writer carries on meanwhile)."""
        self._conn.execute("BEGIN")
        try:
            yield
        finally:
            self._conn.execute("COMMIT")

    # ----------------------------------------------------------------- markers
    def seq(self) -> int:
        """The sequence number of the last committed change."""
        return int(self._value("SELECT value FROM meta WHERE key = 'seq'"))

    def data_version(self) -> int:
        """Changes whenever another connection commits: a cheap 'anything new?' check."""
        return self._value("PRAGMA data_version")

    def last_call_id(self) -> int:
        return self._value("SELECT coalesce(max(id), 0) FROM calls")

    def last_miss_id(self) -> int:
        return self._value("SELECT coalesce(max(id), 0) FROM misses")

    def last_event_ts(self) -> float | None:
        """The time of the latest event stored (None: no event yet)."""
        return self._value("SELECT max(ts) FROM events")

    def feed_time(self) -> float | None:
        """The latest event time any feed reported (the feed's own clock)."""
        return self._value("SELECT max(last_event_ts) FROM sources")

    # ----------------------------------------------------------------- a viewer's day
    def calls_to_load(
        self, before: float, low: float, day_start: float, horizon: float
    ) -> list[CallRow]:
        """The calls a floor model holds as rows, by id: those whose wait ended from `before`
        on, those still open, those of the rolling windows (from `low`) not settled, and those
        whose wait ended before the cut but which ended after it (long calls)."""
        rows: dict[int, CallRow] = {}
        for where, params in (
            ("wait_end_at >= ?", (before,)),
            ("status != 'done'", ()),
            (
                "wait_end_at >= ? AND wait_end_at < ? AND (wait_end_at < ? OR ended_at >= ?)",
                (low, before, day_start, before),
            ),
            ("wait_end_at >= ? AND wait_end_at < ? AND ended_at >= ?", (horizon, before, before)),
        ):
            for call in self._rows(CallRow, where, params):
                rows[call.id] = call
        return [call for _, call in sorted(rows.items())]

    def intervals_since(self, table: Table, horizon: float) -> list[IntervalRow]:
        """Availability (schema.AGENT_STATES) or pauses (schema.PAUSES) open or ended from
        `horizon` on, by start."""
        return self._rows(
            IntervalRow, '"end" IS NULL OR "end" >= ? ORDER BY start', (horizon,), table
        )

    def memberships_since(self, horizon: float) -> list[MembershipRow]:
        return self._rows(
            MembershipRow, "left_at IS NULL OR left_at >= ? ORDER BY joined_at", (horizon,)
        )

    def misses_from(self, ts: float) -> list[MissRow]:
        return self._rows(MissRow, "ts >= ?", (ts,))

    def agents(self) -> list[AgentRow]:
        return self._rows(AgentRow, "")

    def sources(self) -> list[SourceStatus]:
        return self._rows(SourceStatus, "")

    def flags_open_or_cleared_since(self, horizon: float) -> list[FlagRow]:
        return self._rows(FlagRow, "cleared_at IS NULL OR cleared_at >= ?", (horizon,))

    # ----------------------------------------------------------------- what changed
    def calls_changed(self, seq: int) -> list[CallRow]:
        return self._rows(CallRow, "seq > ?", (seq,))

    def intervals_changed(self, table: Table, seq: int) -> list[IntervalRow]:
        return self._rows(IntervalRow, "seq > ? ORDER BY start", (seq,), table)

    def memberships_changed(self, seq: int) -> list[MembershipRow]:
        return self._rows(MembershipRow, "seq > ?", (seq,))

    def misses_after(self, miss_id: int) -> list[MissRow]:
        return self._rows(MissRow, "id > ?", (miss_id,))

    def agents_changed(self, seq: int) -> list[AgentRow]:
        return self._rows(AgentRow, "seq > ?", (seq,))

    def sources_changed(self, seq: int) -> list[SourceStatus]:
        return self._rows(SourceStatus, "seq > ?", (seq,))

    def flags_changed(self, seq: int) -> list[FlagRow]:
        return self._rows(FlagRow, "seq > ?", (seq,))

    # ----------------------------------------------------------------- settled sums
    def settled_queue_sums(
        self, sums: Sequence[str], params: Sequence, day_start: float, before: float
    ) -> dict[str, tuple[list[float], float | None]]:
        """Per queue, the settled calls' sums (`sums`: one SQL expression per figure, with
        their `params`; see snapshot/metrics.contribution_sql) and their longest wait: calls
        done, whose wait ended today before `before` and which ended before it too."""
        sql = (
            f"SELECT queue, {', '.join(f'sum({s})' for s in sums)}, "
            "max(coalesce(wait_s, 0)) FROM calls "
            "WHERE status = 'done' AND outcome IS NOT NULL AND wait_end_at >= ? "
            "AND wait_end_at < ? AND (ended_at IS NULL OR ended_at < ?) GROUP BY queue"
        )
        size = len(sums)
        return {
            row[0]: ([float(value or 0) for value in row[1 : size + 1]], row[size + 1])
            for row in self._conn.execute(sql, [*params, day_start, before, before])
        }

    def settled_agent_sums(
        self, day_start: float, before: float
    ) -> dict[str, tuple[int, int, float, float]]:
        """Per agent, the settled answered calls: (answered, handled, talk, wrap-up)."""
        rows = self._conn.execute(
            """SELECT agent, count(*), sum(talk_s IS NOT NULL), sum(coalesce(talk_s, 0)),
                      sum(CASE WHEN talk_s IS NOT NULL THEN coalesce(wrapup_s, 0) ELSE 0 END)
               FROM calls
               WHERE status = 'done' AND outcome = 'answered' AND agent IS NOT NULL
                 AND answered_at >= ? AND wait_end_at >= ? AND wait_end_at < ?
                 AND (ended_at IS NULL OR ended_at < ?)
               GROUP BY agent""",
            (day_start, day_start, before, before),
        )
        return {
            agent: (count, handled or 0, talk or 0.0, wrapup or 0.0)
            for agent, count, handled, talk, wrapup in rows
        }

    def missed_rings_per_agent(self, start: float, end: float) -> dict[str, int]:
        """Ring-no-answers (not cancels) per agent from `start` to before `end`."""
        return dict(
            self._conn.execute(
                "SELECT agent, count(*) FROM misses WHERE ts >= ? AND ts < ? AND NOT canceled "
                "GROUP BY agent",
                (start, end),
            )
        )

    # ----------------------------------------------------------------- one agent's day
    def agent_intervals(
        self, table: Table, agent: str, start: float, now: float
    ) -> list[IntervalRow]:
        """An agent's availability or pauses that overlap `start`..`now`, by start."""
        return self._rows(
            IntervalRow,
            'agent = ? AND start <= ? AND ("end" IS NULL OR "end" >= ?) ORDER BY start',
            (agent, now, start),
            table,
        )

    def agent_calls(self, agent: str, answered_from: float, now: float) -> list[CallRow]:
        return self._rows(
            CallRow,
            "agent = ? AND answered_at >= ? AND answered_at <= ? ORDER BY answered_at",
            (agent, answered_from, now),
        )

    def agent_misses(self, agent: str, start: float, now: float) -> list[MissRow]:
        return self._rows(
            MissRow, "ts >= ? AND ts <= ? AND agent = ? ORDER BY ts", (start, now, agent)
        )

    # ----------------------------------------------------------------- reports, history
    def calls_with_outcome(
        self, start: float, end: float, queue: str | None = None
    ) -> list[CallRow]:
        """Calls whose wait ended from `start` to before `end`, with an outcome; with `queue`,
        only that queue's calls and the calls of anyone who was ever its member."""
        where = "wait_end_at >= ? AND wait_end_at < ? AND outcome IS NOT NULL"
        if queue is None:
            return self._rows(CallRow, where, (start, end))
        where += " AND (queue = ? OR agent IN (SELECT agent FROM memberships WHERE queue = ?))"
        return self._rows(CallRow, where, (start, end, queue, queue))

    def ratings(self, start: float, end: float, agent: str | None = None) -> list[RatingRow]:
        """Survey scores given from `start` to before `end` (one agent's, if given)."""
        if agent is not None:
            return self._rows(
                RatingRow, "agent = ? AND ts >= ? AND ts < ? ORDER BY ts", (agent, start, end)
            )
        return self._rows(RatingRow, "ts >= ? AND ts < ? ORDER BY ts, id", (start, end))

    def schedules(self, start: float, end: float) -> list[ScheduleRow]:
        """Planned activities overlapping [start, end), by agent and start."""
        return self._rows(ScheduleRow, "start < ? AND end > ? ORDER BY agent, start", (end, start))

    def answered_calls(self, start: float, end: float) -> list[CallRow]:
        """Answered calls whose wait ended from `start` to before `end`."""
        return self._rows(
            CallRow, "wait_end_at >= ? AND wait_end_at < ? AND outcome = 'answered'", (start, end)
        )

    def intervals_overlapping(self, table: Table, start: float, end: float) -> list[IntervalRow]:
        """Every interval that overlaps `start`..`end` (open ones too), by start."""
        return self._rows(
            IntervalRow,
            'start < ? AND ("end" IS NULL OR "end" > ?) ORDER BY start',
            (end, start),
            table,
        )

    def missed_rings(self, start: float, end: float) -> list[MissRow]:
        """Ring-no-answers (not cancels) from `start` to before `end`."""
        return self._rows(MissRow, "ts >= ? AND ts < ? AND NOT canceled", (start, end))

    def handle_sums(self, start: float, end: float) -> dict[str, tuple[float, int]]:
        """Per agent, the talk plus wrap-up of ended answered calls whose wait ended from
        `start` to before `end`, and their number (SQLite sums as it reads)."""
        rows = self._conn.execute(
            "SELECT agent, sum(talk_s + coalesce(wrapup_s, 0)), count(*) FROM calls "
            "WHERE wait_end_at >= ? AND wait_end_at < ? AND outcome = 'answered' "
            "AND talk_s IS NOT NULL AND agent IS NOT NULL GROUP BY agent",
            (start, end),
        )
        return {agent: (total, count) for agent, total, count in rows}

    def flags(self, agent: str | None = None, since: float | None = None) -> list[FlagRow]:
        """Flags raised from `since` on (or still open, or cleared since), of `agent` if given,
        by when they were raised."""
        where, params = "1", []
        if since is not None:
            where += " AND (raised_at >= ? OR cleared_at IS NULL OR cleared_at >= ?)"
            params += [since, since]
        if agent is not None:
            where += " AND agent = ?"
            params.append(agent)
        return self._rows(FlagRow, where + " ORDER BY raised_at", params)

    def actions(self, since: float) -> list[ActionRow]:
        """The audit of supervisor actions from `since` on, oldest first."""
        return self._rows(ActionRow, "at >= ? ORDER BY at, id", (since,))

    # ----------------------------------------------------------------- alarms
    def alarms(self, since: float | None = None, at: float | None = None) -> list[AlarmRow]:
        """Alarms up at some point from `since` on (raised since, or still open, or cleared
        since), newest first; with `at`, only what had been raised by then."""
        where, params = "1", []
        if since is not None:
            where += " AND (raised_ts >= ? OR cleared_ts IS NULL OR cleared_ts >= ?)"
            params += [since, since]
        if at is not None:
            where += " AND raised_ts <= ?"
            params.append(at)
        return self._rows(AlarmRow, where + " ORDER BY raised_ts DESC, id DESC", params)

    def open_alarms(self) -> list[AlarmRow]:
        return self._rows(AlarmRow, "cleared_ts IS NULL ORDER BY raised_ts DESC, id DESC")

    def acknowledgements(self) -> dict[int, tuple[float, str | None, str | None]]:
        """The open alarms acknowledged so far: id -> (when, by whom, the note)."""
        return {
            row[0]: (row[1], row[2], row[3])
            for row in self._conn.execute(
                "SELECT id, acked_ts, acked_by, ack_note FROM alarms "
                "WHERE cleared_ts IS NULL AND acked_ts IS NOT NULL"
            )
        }

    def alarms_seq(self) -> int:
        """The commit that last wrote an alarm or a hook's status (each write stamps its row's
        seq; alarms are never deleted): a viewer reads the alarms again only when it moves."""
        return self._value(
            "SELECT max(coalesce((SELECT max(seq) FROM alarms), 0), "
            "coalesce((SELECT max(seq) FROM alarm_hooks), 0))"
        )

    def alarms_changed(self, seq: int) -> list[AlarmRow]:
        return self._rows(AlarmRow, "seq > ? ORDER BY id", (seq,))

    def alarm_hooks(self) -> list[HookRow]:
        return self._rows(HookRow, "1 ORDER BY name")
