"""Feeds a FloorModel from a store: today's rows once, then only what changed.

A viewer asks `refresh()` a few times a second. It costs one `PRAGMA data_version` when
nothing was committed; otherwise it reads the rows whose `seq` is newer than the last one seen
(indexed), so a refresh grows with what changed, never with history.
"""

from __future__ import annotations

import gc
import json
import math
import re
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING

from floorwatch.config import Config
from floorwatch.snapshot.burnout import Flag
from floorwatch.snapshot.floor_snapshot import FloorSnapshot
from floorwatch.snapshot.metrics import contribution_sql
from floorwatch.snapshot.model.agent_floor import AgentFloor
from floorwatch.snapshot.model.changes import ALL, Changes, Settled, clip_changes
from floorwatch.snapshot.quality_reader import QualityCache
from floorwatch.store.reading import ReadOnlyStore
from floorwatch.store.rows import CallRow, FlagRow, IntervalRow, MissRow
from floorwatch.store.schema import AGENT_STATES, PAUSES

if TYPE_CHECKING:
    from floorwatch.snapshot.model.floor import FloorModel


def _flag(row: FlagRow) -> Flag:
    """A burnout_flags row as a Flag."""
    stretch = (row.stretch_start, row.stretch_end) if row.stretch_start is not None else None
    return Flag(
        row.agent,
        row.rule,
        row.severity,
        row.since,
        row.raised_at,
        row.summary or "",
        json.loads(row.evidence) if row.evidence else {},
        stretch,
        row.cleared_at,
        row.last_true_at or row.raised_at,
        row.id,
    )


def load_flags(
    store: ReadOnlyStore, agent: str | None = None, since: float | None = None
) -> list[Flag]:
    """Flag history: every flag raised after `since` (or still open), optionally one agent's."""
    return [_flag(row) for row in store.queries.flags(agent, since)]


def settled_sums_sql(config: Config) -> tuple[list[str], list]:
    """The SQL of `metrics.contribution` with each call's queue's limits (a CASE on the queue
    where a queue has its own), and the parameters in the order the expressions take them."""
    overridden = [q for q, c in config.queues.items() if c.service_level]
    levels = [config.queue_service_level(queue) for queue in overridden]
    default = config.service_level
    case = (
        ("CASE queue " + "WHEN ? THEN ? " * len(overridden) + "ELSE ? END") if overridden else "?"
    )
    limits = {
        "{T}": [
            v for q, level in zip(overridden, levels, strict=True) for v in (q, level.threshold_s)
        ]
        + [default.threshold_s],
        "{S}": [
            v
            for q, level in zip(overridden, levels, strict=True)
            for v in (q, level.short_abandon_s)
        ]
        + [default.short_abandon_s],
    }
    sums, params = [], []
    for expression in contribution_sql("{T}", "{S}"):
        for token in re.findall(r"\{[TS]\}", expression):
            params += limits[token]
        sums.append(expression.replace("{T}", case).replace("{S}", case))
    return sums, params


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

    def __init__(
        self,
        store: ReadOnlyStore,
        config: Config,
        at: float | None = None,
        clock: Callable[[], float] = time.time,
        model_type: type[AgentFloor] | None = None,
        *,
        keep_rows: bool = False,
        freeze: bool = True,
        quality: QualityCache | None = None,
    ):
        """`keep_rows`: keep the rows of the load as read, before clipping to `at` (`rows`; a
        past floor steps forward from them, snapshot/past_floor.py). `freeze`: move the model
        out of the collector's sight (see load); a short-lived model is better left in it.
        `quality`: a cache of the day's FCR and CSAT shared with other readers of the store."""
        self.store = store
        self.config = config
        self.at = at
        self.clock = clock
        self.model_type = model_type or _floor_model()
        self.model: FloorModel | None = None
        self._seq = 0
        self._miss_id = 0
        self._data_version: int | None = None
        self.keep_rows = keep_rows
        self.freeze = freeze
        #: The rows of the last load as read (with `keep_rows`), and the commit they are of.
        self.rows: Changes | None = None
        self.seq = 0
        self.quality = quality or QualityCache(store, config)
        self.load()

    def now(self) -> float:
        return self.at if self.at is not None else self.clock()

    @property
    def miss_id(self) -> int:
        """The last ring-no-answer read (misses come by id, not by commit)."""
        return self._miss_id

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
        queries = self.store.queries
        with queries.read_transaction():
            self._data_version = queries.data_version()
            seq = queries.seq()
            settled = self._settled(day_start, before, queries.last_call_id())
            changes = Changes(
                calls=queries.calls_to_load(before, low, day_start, model.horizon),
                availability=queries.intervals_since(AGENT_STATES, model.horizon),
                pauses=queries.intervals_since(PAUSES, model.horizon),
                memberships=queries.memberships_since(model.horizon),
                misses=queries.misses_from(before),
                agents=queries.agents(),
                sources=queries.sources(),
                settled=settled,
                flags=[_flag(row) for row in queries.flags_open_or_cleared_since(model.horizon)],
            )
            self._miss_id = queries.last_miss_id()
        if self.keep_rows:
            self.rows = changes
        if self.at is not None:
            changes = clip_changes(changes, self.at)
        model.apply(changes)
        self.model = model
        self._seq = self.seq = seq
        if not self.freeze:
            return
        # The model is hundreds of thousands of long-lived objects on a big floor. Left in the
        # collector's oldest generation, every full collection would walk them all (150 ms on
        # 5,000 agents, a visible stall in a viewer or a monitor round); frozen, it skips them.
        gc.freeze()

    def _settled(self, day_start: float, before: float, max_call_id: int) -> Settled:
        """Today's settled calls summed per queue and per agent, and misses per agent, by SQL
        that counts exactly as metrics.contribution does (tests hold the two together)."""
        queries = self.store.queries
        sums, params = settled_sums_sql(self.config)
        queues = queries.settled_queue_sums(sums, params, day_start, before)
        agents = queries.settled_agent_sums(day_start, before)
        misses = queries.missed_rings_per_agent(day_start, before)
        return Settled(before, max_call_id, queues, agents, misses)

    def refresh(self) -> bool:
        """Bring the model up to date; False (cheaply) when nothing was committed."""
        if self.at is not None:
            return False
        if self.model is not None and self.model.needs_reload(self.now()):
            self.load()
            return True
        queries = self.store.queries
        if queries.data_version() == self._data_version:
            return False
        with queries.read_transaction():
            self._data_version = queries.data_version()
            seq = queries.seq()
            if seq == self._seq:
                return False
            last = self._seq
            changes = Changes(
                calls=queries.calls_changed(last),
                availability=queries.intervals_changed(AGENT_STATES, last),
                pauses=queries.intervals_changed(PAUSES, last),
                memberships=queries.memberships_changed(last),
                misses=queries.misses_after(self._miss_id),
                agents=queries.agents_changed(last),
                sources=queries.sources_changed(last),
                flags=[_flag(row) for row in queries.flags_changed(last)],
            )
        if changes.misses:
            self._miss_id = max(miss.id for miss in changes.misses)
        self.model.apply(changes)
        self._seq = seq
        return True

    def snapshot(
        self, now: float | None = None, details: Collection[str] | str | None = ALL
    ) -> FloorSnapshot:
        """The floor at `now` (default: the reader's now), with the day's FCR and CSAT."""
        floor = self.model.snapshot(self.now() if now is None else now, details)
        floor.quality = self.quality.at(floor.day_start, floor.at, fixed=self.at is not None)
        floor.adherence = self.quality.adherence(floor)
        return floor


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


def load_agent_day(store: ReadOnlyStore, agent: str, day_start: float, now: float) -> AgentDay:
    """Read one agent's day from the store (indexed by agent; a few rows)."""
    queries = store.queries
    availability = queries.agent_intervals(AGENT_STATES, agent, day_start, now)
    calls = [
        call
        for call in queries.agent_calls(agent, day_start - 4 * 3600, now)
        if call.ended_at is None or call.ended_at >= day_start
    ]  # ended today or going
    pauses = queries.agent_intervals(PAUSES, agent, day_start, now)
    misses = queries.agent_misses(agent, day_start, now)
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
        [
            c
            for c in (clip_call(x, at) for x in day.calls)
            if c and c.answered_at is not None and c.answered_at <= at
        ],
        [i for i in (clip_interval(x, at) for x in day.pauses) if i],
        [m for m in day.misses if m.ts <= at],
    )


# ----------------------------------------------------------------- the PBX's own counters
def load_pbx_counters(
    store: ReadOnlyStore, config: Config, day_start: float, now: float, queue: str | None = None
) -> dict:
    """Asterisk's `queue show` counters per queue (snapshot/pbx_counters.py) over the calls
    whose wait ended from `day_start` to `now`, each queue with its own service-level window.
    With `queue`, only that queue's counters are exact (and only its calls, and its members'
    calls for "has taken", are read)."""
    from floorwatch.snapshot.pbx_counters import pbx_counters

    queries = store.queries
    with queries.read_transaction():
        calls = queries.calls_with_outcome(day_start, math.nextafter(now, math.inf), queue)
        memberships = queries.memberships_since(0.0)  # every one: "has taken" needs re-adds
    queues = sorted({call.queue for call in calls} | {m.queue for m in memberships})
    thresholds = {queue: config.queue_service_level(queue).threshold_s for queue in queues}
    return pbx_counters(calls, memberships, thresholds, now)
