"""Feeds a FloorModel from a store: today's rows once, then only what changed.

A viewer asks `refresh()` a few times a second. It costs one `PRAGMA data_version` when
nothing was committed; otherwise it reads the rows whose `seq` is newer than the last one seen
(indexed), so a refresh grows with what changed, never with history.
"""

from __future__ import annotations

import gc
import json
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING

from floorwatch.snapshot.burnout import Flag
from floorwatch.config import Config
from floorwatch.snapshot.model.agent_floor import AgentFloor
from floorwatch.snapshot.model.changes import ALL, LOOKBACK_S, Changes, Settled, clip_changes
from floorwatch.store.rows import AgentRow, CallRow, IntervalRow, MembershipRow, MissRow, SourceStatus
from floorwatch.clock import local_day_start
from floorwatch.snapshot.floor_snapshot import FloorSnapshot
from floorwatch.store.database import Store

if TYPE_CHECKING:
    from floorwatch.snapshot.model.floor import FloorModel

_CALL_COLUMNS = (
    "id, call_id, queue, caller, enqueued_at, status, outcome, wait_end_at, wait_s, "
    "answered_at, agent, ended_at, talk_s, ended_by, transfer_target, ring_no_answers, "
    "synced, wrapup_s, position"
)
_INTERVAL_COLUMNS = 'id, agent, state, reason, queue, start, "end"'
_MEMBERSHIP_COLUMNS = "id, agent, queue, joined_at, left_at, penalty"
_SOURCE_COLUMNS = (
    "name, status, status_detail, events, rejects, last_event_ts, last_received_at"
)
_FLAG_COLUMNS = (
    "id, agent, rule, severity, since, raised_at, cleared_at, last_true_at, summary, evidence, "
    "stretch_start, stretch_end"
)


def _flag(row: tuple) -> Flag:
    """A burnout_flags row as a Flag."""
    (flag_id, agent, rule, severity, since, raised_at, cleared_at, last_true_at, summary,
     evidence, stretch_start, stretch_end) = row  # fmt: skip
    stretch = (stretch_start, stretch_end) if stretch_start is not None else None
    return Flag(agent, rule, severity, since, raised_at, summary or "",
                json.loads(evidence) if evidence else {}, stretch, cleared_at,
                last_true_at or raised_at, flag_id)  # fmt: skip


def load_flags(store: Store, agent: str | None = None, since: float | None = None) -> list[Flag]:
    """Flag history: every flag raised after `since` (or still open), optionally one agent's."""
    sql = f"SELECT {_FLAG_COLUMNS} FROM burnout_flags WHERE 1"
    params: list = []
    if since is not None:
        sql += " AND (raised_at >= ? OR cleared_at IS NULL OR cleared_at >= ?)"
        params += [since, since]
    if agent is not None:
        sql += " AND agent = ?"
        params.append(agent)
    return [_flag(row) for row in store.conn.execute(sql + " ORDER BY raised_at", params)]


def _floor_model() -> type[FloorModel]:
    """The viewers' model, imported when a reader first needs it: it brings numpy, which a
    reader of AgentFloor (the ingest) does without."""
    from floorwatch.snapshot.model.floor import FloorModel

    return FloorModel


class FloorReader:
    """A FloorModel kept in step with the store.

    `at` fixes the instant (a past snapshot: loaded once, clipped to that instant); without it
    the reader follows the store live and `clock` gives "now". `model_type` is what the rows
    feed: FloorModel (the default, a viewer's whole floor) or AgentFloor (the ingest's burnout
    monitor: the agents without the queues' windows, and without numpy).
    """

    def __init__(self, store: Store, config: Config, at: float | None = None,
                 clock: Callable[[], float] = time.time,
                 model_type: type[AgentFloor] | None = None):  # fmt: skip
        self.store = store
        self.config = config
        self.at = at
        self.clock = clock
        self.model_type = model_type or _floor_model()
        self.model: FloorModel | None = None
        self._seq = 0
        self._miss_id = 0
        self._data_version: int | None = None
        self.load()

    def now(self) -> float:
        return self.at if self.at is not None else self.clock()

    # ----------------------------------------------------------------- loading
    def load(self) -> None:
        """(Re)build the model from the store for the day containing now."""
        now = self.now()
        if self.model is not None:
            # The old model becomes garbage: let the collector see it again (see below).
            self.model = None
            gc.unfreeze()
            gc.collect()
        model = self.model_type(self.config, now)
        day_start = model.day_start
        # Calls settled more than KEEP_S ago are summed by SQLite; the rest are read as rows.
        before = max(day_start, now - model.KEEP_S)
        # Rolling windows reach an hour back, across midnight if need be.
        low = max(model.horizon, min(before, now - 3660))
        conn = self.store.conn
        conn.execute("BEGIN")
        try:
            self._data_version = self.store.data_version()
            seq = self.store.seq()
            max_call_id = conn.execute("SELECT coalesce(max(id), 0) FROM calls").fetchone()[0]
            settled = self._settled(day_start, before, max_call_id)
            call_rows = {}
            for sql, params in (
                (f"SELECT {_CALL_COLUMNS} FROM calls WHERE wait_end_at >= ?", (before,)),
                (f"SELECT {_CALL_COLUMNS} FROM calls WHERE status != 'done'", ()),
                (f"SELECT {_CALL_COLUMNS} FROM calls WHERE wait_end_at >= ? AND wait_end_at < ? "
                 "AND (wait_end_at < ? OR ended_at >= ?)",
                 (low, before, day_start, before)),
                # Calls whose wait ended before the cut but which ended after it (long calls):
                # not settled, so read as rows however long ago they were answered.
                (f"SELECT {_CALL_COLUMNS} FROM calls WHERE wait_end_at >= ? AND wait_end_at < ? "
                 "AND ended_at >= ?", (model.horizon, before, before)),
            ):  # fmt: skip
                for row in conn.execute(sql, params):
                    call_rows[row[0]] = row
            changes = Changes(
                calls=[CallRow(*row) for _, row in sorted(call_rows.items())],
                availability=[IntervalRow(*row) for row in conn.execute(
                    f'SELECT {_INTERVAL_COLUMNS} FROM agent_states '
                    'WHERE "end" IS NULL OR "end" >= ? ORDER BY start', (model.horizon,))],
                pauses=[IntervalRow(*row) for row in conn.execute(
                    f'SELECT {_INTERVAL_COLUMNS} FROM pauses '
                    'WHERE "end" IS NULL OR "end" >= ? ORDER BY start', (model.horizon,))],
                memberships=[MembershipRow(*row) for row in conn.execute(
                    f"SELECT {_MEMBERSHIP_COLUMNS} FROM memberships "
                    "WHERE left_at IS NULL OR left_at >= ? ORDER BY joined_at", (model.horizon,))],
                misses=[MissRow(*row) for row in conn.execute(
                    "SELECT id, agent, queue, ts, canceled FROM misses WHERE ts >= ?",
                    (before,))],
                agents=[AgentRow(*row) for row in conn.execute(
                    "SELECT name, ringing, last_event_at FROM agents")],
                sources=[SourceStatus(*row) for row in conn.execute(
                    f"SELECT {_SOURCE_COLUMNS} FROM sources")],
                settled=settled,
                flags=[_flag(row) for row in conn.execute(
                    f"SELECT {_FLAG_COLUMNS} FROM burnout_flags "
                    "WHERE cleared_at IS NULL OR cleared_at >= ?", (model.horizon,))],
            )  # fmt: skip
            self._miss_id = conn.execute("SELECT coalesce(max(id), 0) FROM misses").fetchone()[0]
        finally:
            conn.execute("COMMIT")
        if self.at is not None:
            changes = clip_changes(changes, self.at)
        model.apply(changes)
        self.model = model
        self._seq = seq
        # The model is hundreds of thousands of long-lived objects on a big floor. Left in the
        # collector's oldest generation, every full collection would walk them all (150 ms on
        # 5,000 agents, a visible stall in a viewer or a monitor round); frozen, it skips them.
        gc.freeze()

    def _settled(self, day_start: float, before: float, max_call_id: int) -> Settled:
        """Today's settled calls summed per queue and per agent, and misses per agent, by SQL
        that counts exactly as metrics.contribution does (tests hold the two together)."""
        config = self.config
        threshold, short = ["?"], ["?"]
        threshold_params: list = []
        short_params: list = []
        overridden = [q for q, c in config.queues.items() if c.service_level]
        if overridden:
            threshold = ["CASE queue"] + ["WHEN ? THEN ?"] * len(overridden) + ["ELSE ? END"]
            short = list(threshold)
            for queue in overridden:
                level = config.queue_service_level(queue)
                threshold_params += [queue, level.threshold_s]
                short_params += [queue, level.short_abandon_s]
        threshold_params.append(config.service_level.threshold_s)
        short_params.append(config.service_level.short_abandon_s)
        t_expr, s_expr = " ".join(threshold), " ".join(short)
        answered = "outcome = 'answered'"
        handled = f"({answered} AND talk_s IS NOT NULL)"
        wait = "coalesce(wait_s, 0)"
        sql = f"""
            SELECT queue,
                count(*),
                sum({answered}),
                sum({answered} AND {wait} <= ({t_expr})),
                sum(outcome = 'abandoned' AND {wait} >= ({s_expr})),
                sum(outcome = 'abandoned' AND {wait} < ({s_expr})),
                sum(outcome = 'timeout'), sum(outcome = 'key'), sum(outcome = 'empty'),
                sum(outcome = 'withdraw'),
                sum(CASE WHEN {answered} THEN {wait} ELSE 0 END),
                sum({handled}),
                sum(CASE WHEN {handled} THEN talk_s ELSE 0 END),
                sum(CASE WHEN {handled} THEN coalesce(wrapup_s, 0) ELSE 0 END),
                sum({wait}),
                max({wait})
            FROM calls
            WHERE status = 'done' AND outcome IS NOT NULL
              AND wait_end_at >= ? AND wait_end_at < ? AND (ended_at IS NULL OR ended_at < ?)
            GROUP BY queue
        """
        conn = self.store.conn
        params = threshold_params + short_params + short_params + [day_start, before, before]
        queues = {
            row[0]: ([float(value or 0) for value in row[1:15]], row[15])
            for row in conn.execute(sql, params)
        }
        agents = {
            row[0]: (row[1], row[2] or 0, row[3] or 0.0, row[4] or 0.0)
            for row in conn.execute(
                f"""SELECT agent, count(*), sum(talk_s IS NOT NULL), sum(coalesce(talk_s, 0)),
                           sum(CASE WHEN talk_s IS NOT NULL THEN coalesce(wrapup_s, 0) ELSE 0 END)
                    FROM calls
                    WHERE status = 'done' AND {answered} AND agent IS NOT NULL
                      AND answered_at >= ? AND wait_end_at >= ? AND wait_end_at < ?
                      AND (ended_at IS NULL OR ended_at < ?)
                    GROUP BY agent""",
                (day_start, day_start, before, before),
            )
        }  # fmt: skip
        misses = dict(conn.execute(
            "SELECT agent, count(*) FROM misses WHERE ts >= ? AND ts < ? AND NOT canceled "
            "GROUP BY agent", (day_start, before)))  # fmt: skip
        return Settled(before, max_call_id, queues, agents, misses)

    def refresh(self) -> bool:
        """Bring the model up to date; False (cheaply) when nothing was committed."""
        if self.at is not None:
            return False
        if self.model is not None and self.model.needs_reload(self.now()):
            self.load()
            return True
        version = self.store.data_version()
        if version == self._data_version:
            return False
        conn = self.store.conn
        conn.execute("BEGIN")
        try:
            self._data_version = self.store.data_version()
            seq = self.store.seq()
            if seq == self._seq:
                return False
            last = self._seq
            changes = Changes(
                calls=[CallRow(*row) for row in conn.execute(
                    f"SELECT {_CALL_COLUMNS} FROM calls WHERE seq > ?", (last,))],
                availability=[IntervalRow(*row) for row in conn.execute(
                    f"SELECT {_INTERVAL_COLUMNS} FROM agent_states WHERE seq > ? ORDER BY start",
                    (last,))],
                pauses=[IntervalRow(*row) for row in conn.execute(
                    f"SELECT {_INTERVAL_COLUMNS} FROM pauses WHERE seq > ? ORDER BY start",
                    (last,))],
                memberships=[MembershipRow(*row) for row in conn.execute(
                    f"SELECT {_MEMBERSHIP_COLUMNS} FROM memberships WHERE seq > ?", (last,))],
                misses=[MissRow(*row) for row in conn.execute(
                    "SELECT id, agent, queue, ts, canceled FROM misses WHERE id > ?",
                    (self._miss_id,))],
                agents=[AgentRow(*row) for row in conn.execute(
                    "SELECT name, ringing, last_event_at FROM agents WHERE seq > ?", (last,))],
                sources=[SourceStatus(*row) for row in conn.execute(
                    f"SELECT {_SOURCE_COLUMNS} FROM sources WHERE seq > ?", (last,))],
                flags=[_flag(row) for row in conn.execute(
                    f"SELECT {_FLAG_COLUMNS} FROM burnout_flags WHERE seq > ?", (last,))],
            )  # fmt: skip
        finally:
            conn.execute("COMMIT")
        if changes.misses:
            self._miss_id = max(miss.id for miss in changes.misses)
        self.model.apply(changes)
        self._seq = seq
        return True

    def snapshot(self, now: float | None = None,
                 details: Collection[str] | str | None = ALL) -> FloorSnapshot:  # fmt: skip
        """The floor at `now` (default: the reader's now)."""
        return self.model.snapshot(self.now() if now is None else now, details)


# ----------------------------------------------------------------- one agent's day
@dataclass
class AgentDay:
    """Everything about one agent today, for the drill-down: timeline, calls, pauses, misses."""

    agent: str
    day_start: float
    now: float
    availability: list[IntervalRow]
    calls: list[CallRow]
    pauses: list[IntervalRow]
    misses: list[MissRow]


def load_agent_day(store: Store, agent: str, day_start: float, now: float) -> AgentDay:
    """Read one agent's day from the store (indexed by agent; a few rows)."""
    conn = store.conn
    availability = [
        IntervalRow(*row)
        for row in conn.execute(
            f'SELECT {_INTERVAL_COLUMNS} FROM agent_states WHERE agent = ? AND start <= ? '
            'AND ("end" IS NULL OR "end" >= ?) ORDER BY start',
            (agent, now, day_start),
        )
    ]
    calls = [
        CallRow(*row)
        for row in conn.execute(
            f"SELECT {_CALL_COLUMNS} FROM calls WHERE agent = ? AND answered_at >= ? "
            "AND answered_at <= ? ORDER BY answered_at",
            (agent, day_start - 4 * 3600, now),
        )
        if (row[11] is None or row[11] >= day_start)  # ended today or still going
    ]
    pauses = [
        IntervalRow(*row)
        for row in conn.execute(
            f'SELECT {_INTERVAL_COLUMNS} FROM pauses WHERE agent = ? AND start <= ? '
            'AND ("end" IS NULL OR "end" >= ?) ORDER BY start',
            (agent, now, day_start),
        )
    ]
    misses = [
        MissRow(*row)
        for row in conn.execute(
            "SELECT id, agent, queue, ts, canceled FROM misses WHERE ts >= ? AND ts <= ? "
            "AND agent = ? ORDER BY ts",
            (day_start, now, agent),
        )
    ]
    day = AgentDay(agent, day_start, now, availability, calls, pauses, misses)
    return clip_agent_day(day, now)


def clip_agent_day(day: AgentDay, at: float) -> AgentDay:
    """The day as it stood at `at` (for past snapshots and replays)."""
    from floorwatch.snapshot.model.changes import clip_call, clip_interval

    return AgentDay(
        day.agent,
        day.day_start,
        at,
        [i for i in (clip_interval(x, at) for x in day.availability) if i],
        [c for c in (clip_call(x, at) for x in day.calls) if c and c.answered_at is not None
         and c.answered_at <= at],
        [i for i in (clip_interval(x, at) for x in day.pauses) if i],
        [m for m in day.misses if m.ts <= at],
    )  # fmt: skip
