"""The floor model: today's calls, agents and queues in memory, kept up to date by changes.

A reader hands it rows from the store, first everything that matters for today, then only what
changed; `snapshot(now)` computes the floor at an instant. The cost of a snapshot grows with the
number of queues and agents, never with history. FloorModel composes the parts, each in its own
module: the agents and their burnout facts (AgentFloor, what the ingest keeps too), the queues'
windows (today_windows.py, numpy), waiting callers, staffing, trends and the shown agents.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

import numpy as np

from floorwatch.config import Config
from floorwatch.snapshot.floor_snapshot import (
    WINDOWS,
    AgentSnapshot,
    FeedHealth,
    FloorSnapshot,
    FloorTotals,
    QueueSnapshot,
)
from floorwatch.snapshot.lean_floor import LeanFloor, QueueFigures
from floorwatch.snapshot.metrics import VECTOR_SIZE, WindowStats
from floorwatch.snapshot.model.agent_book import (
    AVAILABLE,
    OFFLINE,
    ON_CALL,
    PAUSED,
    RINGING,
    WRAPUP,
)
from floorwatch.snapshot.model.agent_floor import AgentFloor
from floorwatch.snapshot.model.changes import ALL, Changes, Settled
from floorwatch.snapshot.model.shown_agents import ShownAgents
from floorwatch.snapshot.model.staffing import StaffingCounts, StaffingGap
from floorwatch.snapshot.model.today_windows import TodayWindows, WindowSums
from floorwatch.snapshot.model.trends import QueueTrend, Trends
from floorwatch.snapshot.model.waiting import WaitingCalls
from floorwatch.store.rows import CallRow, SourceStatus


class FloorModel(AgentFloor):
    """Today's floor, in memory; `apply` changes, then ask for `snapshot(now)`."""

    def __init__(self, config: Config, day_of: float):
        super().__init__(config, day_of)
        self.timezone = config.timezone or str(datetime.now().astimezone().tzinfo)
        self.sources: dict[str, SourceStatus] = {}
        self.waiting = WaitingCalls()
        self.windows = TodayWindows(self.queues, self.calls, self.day_start)
        self.ledger.sinks.append(self.windows)
        self.staffing = StaffingCounts()
        self.shown = ShownAgents(config, self.books, self.day_start, self.staffing)
        self.staffing_gap = StaffingGap(config.staffing)
        self.trend = Trends(self.calls, self.ledger)

    # ----------------------------------------------------------------- applying changes
    def apply(self, changes: Changes) -> None:
        super().apply(changes)
        for source in changes.sources:
            self.sources[source.name] = source

    def _apply_settled(self, settled: Settled) -> None:
        super()._apply_settled(settled)
        self.windows.apply_settled(settled)

    def _apply_calls(self, calls: Sequence[CallRow]) -> None:
        # The ring moves to the newest minute first; the additions go in with one numpy call.
        latest = max((c.wait_end_at for c in calls if c.wait_end_at is not None), default=None)
        if latest is not None:
            self.windows.advance(int(latest // 60))
        super()._apply_calls(calls)
        self.windows.flush()

    def _call_changed(self, call: CallRow, old: CallRow | None) -> None:
        self.waiting.apply(call, old)

    # ----------------------------------------------------------------- reading
    def detailed(self, agent: AgentSnapshot, now: float) -> AgentSnapshot:
        """The agent with the numbers that cost more (occupancy over the last hour) at `now`."""
        return self.shown.detailed(agent, now)

    def trends(self, now: float) -> dict[str, QueueTrend]:
        """Per queue, the last hour in 5-minute steps (recomputed once a minute)."""
        return self.trend.at(now)

    def snapshot(self, now: float, details: Collection[str] | str | None = ALL) -> FloorSnapshot:
        """The floor at `now`. `details`: agents whose costlier numbers (occupancy) to compute:
        ALL, None, or a collection of names (the rows a viewer shows)."""
        self.forget_settled(now)
        agents = self.shown.at(now)
        detailed = agents if details == ALL else details or ()
        for name in [name for name in detailed if name in agents]:
            agents[name] = self.detailed(agents[name], now)
        sums = self._window_sums(now, WINDOWS)
        stats = self._window_stats(sums)
        queues: dict[str, QueueSnapshot] = {}
        for shown in self.queues.shown():
            q, level = shown.index, shown.level
            waiting = self.waiting.at(shown.name, now)
            queues[shown.name] = QueueSnapshot(
                name=shown.name,
                display_name=shown.display_name,
                calls_waiting=len(waiting),
                longest_wait_s=waiting[0].wait_s(now) if waiting else None,
                waiting=waiting,
                windows={name: figures[q] for name, figures in stats.items()},
                threshold_s=level.threshold_s,
                target=level.target,
                formula=level.formula,
            )
        self.staffing.fill(queues)
        self.staffing_gap.fill(queues, self.queues, now, self.windows, sums)
        for name, trend in self.trends(now).items():
            if name in queues:
                queues[name].trend_waiting = trend.waiting
                queues[name].trend_service_level = trend.service_level
        return FloorSnapshot(
            at=now,
            day_start=self.day_start,
            timezone=self.timezone,
            queues=queues,
            agents=agents,
            totals=self._totals(queues, sums),
            feeds=self._feeds(now),
        )

    def lean(self, now: float, windows: Collection[str]) -> LeanFloor:
        """The floor as the alarm rules read it at `now` (snapshot/lean_floor.py): the queues
        counted over `windows` only; no totals, details, staffing gap or trends; the agents
        the model's own listing (read at once, never kept: the next look updates it)."""
        self.forget_settled(now)
        agents = self.shown.listing(now)
        stats = list(self._window_stats(self._window_sums(now, windows)).items())
        staffing, waiting = self.staffing.queues, self.waiting
        queues = {}
        for shown in self.queues.shown():  # 200 queues a round: kept plain
            q, name = shown.index, shown.name
            counted = {}
            for window, figures in stats:
                counted[window] = figures[q]
            row = staffing.get(name)
            queues[name] = QueueFigures(
                name,
                shown.display_name,
                waiting.at(name, now),
                counted,
                shown.level.threshold_s,
                shown.level.target,
                row.by_state.get(AVAILABLE, 0) if row is not None else 0,
            )
        return LeanFloor(now, queues, agents, self._feeds(now))

    def _window_sums(self, now: float, names: Collection[str]) -> dict[str, WindowSums]:
        """Each queue's sums over the windows of WINDOWS in `names`, in WINDOWS' order."""
        sums = self.windows.rolling(now, names)
        return {"today": self.windows.today(), **sums} if "today" in names else sums

    def _window_stats(self, sums: dict[str, WindowSums]) -> dict[str, list[WindowStats]]:
        formulas = self.queues.formulas()
        return {name: self.windows.stats(name, window, formulas) for name, window in sums.items()}

    def _totals(
        self, queues: dict[str, QueueSnapshot], windows: dict[str, WindowSums]
    ) -> FloorTotals:
        formula = self.config.service_level.formula
        floor_windows = {}
        for name, window in windows.items():
            sums = window.sums.sum(axis=0) if len(self.queues) else np.zeros(VECTOR_SIZE)
            known = [m for m in window.maxes if m is not None]
            floor_windows[name] = WindowStats.from_vector(
                sums, max(known) if known else None, formula
            )
        states = self.staffing.states
        longest = [q.longest_wait_s for q in queues.values() if q.longest_wait_s is not None]
        return FloorTotals(
            calls_waiting=sum(q.calls_waiting for q in queues.values()),
            longest_wait_s=max(longest) if longest else None,
            windows=floor_windows,
            agents_logged_in=sum(count for state, count in states.items() if state != OFFLINE),
            agents_available=states.get(AVAILABLE, 0),
            agents_ringing=states.get(RINGING, 0),
            agents_on_call=states.get(ON_CALL, 0),
            agents_wrapup=states.get(WRAPUP, 0),
            agents_paused=states.get(PAUSED, 0),
        )

    def _feeds(self, now: float) -> list[FeedHealth]:
        feeds = []
        for name, source in sorted(self.sources.items()):
            age = (
                None if source.last_received_at is None else max(0.0, now - source.last_received_at)
            )
            lag = None if source.last_event_ts is None else now - source.last_event_ts
            feeds.append(
                FeedHealth(
                    name,
                    source.status,
                    source.detail,
                    source.events,
                    source.rejects,
                    source.last_event_ts,
                    age,
                    lag,
                )
            )
        return feeds
