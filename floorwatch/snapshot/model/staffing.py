"""Staffing per queue: its logged-in members by state (running sums over the shown agents), and
the agents the recent traffic needs (Erlang C) against those staffed now."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from floorwatch.config import StaffingConfig
from floorwatch.snapshot import metrics
from floorwatch.snapshot.erlang import Staffing, staffing_for
from floorwatch.snapshot.floor_snapshot import AgentSnapshot, QueueSnapshot
from floorwatch.snapshot.model.agent_book import (
    AVAILABLE,
    OFFLINE,
    ON_CALL,
    PAUSED,
    RINGING,
    WRAPUP,
    AgentBook,
)
from floorwatch.snapshot.model.ledger import Queues

if TYPE_CHECKING:  # numpy's side: the counts above are plain Python
    from floorwatch.snapshot.model.today_windows import TodayWindows, WindowSums


@dataclass(frozen=True, slots=True)
class StaffingCount:
    """What an agent adds to one of their queues: one member in `state` (available, ringing,
    on a call, in wrap-up or paused, with the pause's reason)."""

    queue: str
    state: str
    reason: str | None = None


@dataclass(slots=True)
class QueueStaffing:
    """A queue's members by state, and those staffed (logged in and not paused in it)."""

    by_state: dict[str, int] = field(default_factory=dict)
    staffed: int = 0
    paused_by_reason: dict[str, int] = field(default_factory=dict)


def staffing_counts(book: AgentBook, agent: AgentSnapshot) -> tuple[StaffingCount, ...]:
    """What the agent (as shown) adds to each of their queues' staffing. Staffed: logged in and
    not paused in the queue (on a call, ringing, in wrap-up or available)."""
    state = agent.state
    if state == OFFLINE:
        return ()
    counts = []
    for queue in book.memberships:
        if state in (ON_CALL, RINGING, WRAPUP):
            counts.append(StaffingCount(queue, state))
        elif queue in book.pauses or state == PAUSED:
            pause = book.pauses.get(queue)
            counts.append(
                StaffingCount(queue, PAUSED, (pause.reason if pause else agent.reason) or "Paused")
            )
        else:
            counts.append(StaffingCount(queue, AVAILABLE))
    return tuple(counts)


class StaffingCounts:
    """Running sums of the shown agents' staffing counts, per queue, and agents per state."""

    def __init__(self) -> None:
        self.queues: dict[str, QueueStaffing] = {}
        self.states: dict[str, int] = {}

    def add(self, counts: Iterable[StaffingCount], agent: AgentSnapshot | None, sign: int) -> None:
        if agent is not None:
            self.states[agent.state] = self.states.get(agent.state, 0) + sign
        for count in counts:
            row = self.queues.get(count.queue)
            if row is None:
                row = self.queues[count.queue] = QueueStaffing()
            row.by_state[count.state] = row.by_state.get(count.state, 0) + sign
            if count.state != PAUSED:
                row.staffed += sign
            else:
                reasons = row.paused_by_reason
                left = reasons.get(count.reason, 0) + sign
                if left:
                    reasons[count.reason] = left
                else:
                    reasons.pop(count.reason, None)

    def fill(self, queues: dict[str, QueueSnapshot]) -> None:
        """Each queue's logged-in members by state, into its snapshot."""
        for name, queue in queues.items():
            row = self.queues.get(name)
            if row is None:
                continue
            counts = row.by_state
            queue.agents_on_call = counts.get(ON_CALL, 0)
            queue.agents_ringing = counts.get(RINGING, 0)
            queue.agents_wrapup = counts.get(WRAPUP, 0)
            queue.agents_paused = counts.get(PAUSED, 0)
            queue.agents_available = counts.get(AVAILABLE, 0)
            queue.agents_staffed = row.staffed
            queue.paused_by_reason = dict(row.paused_by_reason)


@dataclass(slots=True)
class StaffingMemo:
    """A queue's last staffing inputs and the answer (Erlang C is not free)."""

    inputs: tuple[float, float | None, float, float, float | None]
    staffing: Staffing | None


class StaffingGap:
    """Per queue: agents the recent traffic needs (Erlang C, the queue's own target) against
    agents staffed now, and the signed gap (negative: short)."""

    def __init__(self, settings: StaffingConfig):
        self.settings = settings
        self._memo: dict[str, StaffingMemo] = {}

    def fill(
        self,
        queues: dict[str, QueueSnapshot],
        index: Queues,
        now: float,
        windows: TodayWindows,
        rolling: dict[str, WindowSums],
    ) -> None:
        settings = self.settings
        if not settings.enabled:
            return
        arrival_s = settings.arrival_window_min * 60
        aht_s = settings.aht_window_min * 60
        arrivals = (
            windows.window(now, int(arrival_s)).sums if arrival_s != 1800 else (rolling["30m"].sums)
        )
        handles = windows.window(now, int(aht_s)).sums if aht_s != 1800 else rolling["30m"].sums
        for name, queue in queues.items():
            q = index.index[name]
            offered = float(arrivals[q][metrics.OFFERED])
            handled = float(handles[q][metrics.HANDLED])
            handle_s = float(handles[q][metrics.TALK] + handles[q][metrics.WRAPUP])
            aht = (
                metrics.mean_seconds(handle_s, handled) if handled else queue.windows["today"].aht_s
            )
            staffed = queue.agents_staffed
            # No calls, no AHT, or one no floor can have (a bad stored row): no staffing figure.
            inputs = (offered, aht, queue.target, queue.threshold_s, settings.max_occupancy)
            memo = self._memo.get(name)
            if memo is not None and memo.inputs == inputs:
                staffing = memo.staffing
            else:
                staffing = staffing_for(offered, arrival_s, *inputs[1:])
                self._memo[name] = StaffingMemo(inputs, staffing)
            needed = staffing.agents if staffing is not None else 0
            traffic_erlangs = staffing.traffic if staffing is not None else 0.0
            queue.staffing = {
                "model": "erlang_c",
                "calls_per_hour": offered / arrival_s * 3600,
                "aht_s": aht,
                "traffic_erlangs": traffic_erlangs,
                "agents_needed": needed,
                "agents_staffed": staffed,
                "gap": staffed - needed,
            }
