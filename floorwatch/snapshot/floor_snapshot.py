"""The floor at an instant: plain dataclasses that every viewer renders and `--json` prints.

Keys of `to_dict` are the names used in docs/metrics.md, so a script reading the JSON and a
person reading the docs talk about the same numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from floorwatch.snapshot.metrics import WindowStats

#: The windows every queue is counted over: today since local midnight, and rolling.
WINDOWS = {"today": None, "15m": 900, "30m": 1800, "60m": 3600}
#: Trends cover the last hour in this many steps (5 minutes each).
TREND_POINTS = 12
TREND_STEP_S = 300


@dataclass(frozen=True)
class WaitingCall:
    call_id: str
    queue: str
    caller: str | None
    position: int | None
    enqueued_at: float
    #: The caller's name and queue priority, where the feed gives them (AMI's CallerIDName and
    #: Priority); None where it does not (queue_log's ENTERQUEUE has no priority).
    caller_name: str | None = None
    priority: int | None = None

    def wait_s(self, at: float) -> float:
        """Seconds waited so far at `at`."""
        return max(0.0, at - self.enqueued_at)


@dataclass(frozen=True)
class CurrentCall:
    call_id: str
    queue: str
    caller: str | None
    answered_at: float
    wait_s: float | None

    def talk_s(self, at: float) -> float:
        """Seconds talked so far at `at`."""
        return max(0.0, at - self.answered_at)


@dataclass
class QueueSnapshot:
    name: str
    display_name: str
    calls_waiting: int
    longest_wait_s: float | None
    #: Oldest first; shared between snapshots while nobody joins or leaves the queue.
    waiting: Sequence[WaitingCall]
    windows: dict[str, WindowStats]
    threshold_s: float
    target: float
    formula: str
    agents_staffed: int = 0
    agents_available: int = 0
    agents_ringing: int = 0
    agents_on_call: int = 0
    agents_wrapup: int = 0
    agents_paused: int = 0
    paused_by_reason: dict[str, int] = field(default_factory=dict)
    #: Filled by the staffing model (Erlang) when it is enabled.
    staffing: dict[str, Any] | None = None
    #: The last hour in TREND_POINTS steps, oldest first: calls waiting at each step's end, and
    #: the service level of the calls whose wait ended in each step (None: no such calls).
    trend_waiting: list[int] = field(default_factory=list)
    trend_service_level: list[float | None] = field(default_factory=list)
    #: Asterisk's own counters (`queue show`: C, A, SL, SL2), where a one-shot read or the
    #: drill-down asked for them (snapshot/pbx_counters.py); None otherwise.
    pbx: Any = None

    def to_dict(self, at: float) -> dict[str, Any]:
        return {
            "name": self.name,
            "display_name": self.display_name,
            "calls_waiting": self.calls_waiting,
            "longest_wait_s": self.longest_wait_s,
            "waiting": [
                {
                    "call_id": c.call_id,
                    "caller": c.caller,
                    "position": c.position,
                    "wait_s": c.wait_s(at),
                }
                for c in self.waiting
            ],
            "service_level_threshold_s": self.threshold_s,
            "service_level_target": self.target,
            "service_level_formula": self.formula,
            "windows": {name: stats.to_dict() for name, stats in self.windows.items()},
            "agents": {
                "staffed": self.agents_staffed,
                "available": self.agents_available,
                "ringing": self.agents_ringing,
                "on_call": self.agents_on_call,
                "wrapup": self.agents_wrapup,
                "paused": self.agents_paused,
                "paused_by_reason": dict(self.paused_by_reason),
            },
            "staffing": self.staffing,
            "trend_waiting": list(self.trend_waiting),
            "trend_service_level": list(self.trend_service_level),
            "pbx": None if self.pbx is None else self.pbx.to_dict(),
        }


@dataclass(frozen=True)
class AgentSnapshot:
    """One agent as of their last change.

    What moves with the clock alone (time in state, talk, pause and login so far) is a method
    of the instant rather than a number, so an agent nothing happened to is the very same
    object from one snapshot to the next: a viewer's update costs the agents that changed, not
    the floor. The instant to ask for is the snapshot's `at`.
    """

    name: str
    display_name: str
    state: str
    since: float | None
    reason: str | None
    queue: str | None
    call: CurrentCall | None
    queues: list[str]
    paused_in: dict[str, str | None]
    calls_today: int
    aht_today_s: float | None
    ring_no_answers_today: int
    #: Today so far, not counting what is still going on: talk of ended calls, time logged in
    #: and paused (by reason) in finished intervals.
    talk_closed_s: float = 0.0
    login_closed_s: float = 0.0
    pause_closed_s: dict[str, float] = field(default_factory=dict)
    #: The open interval: from when it counts today as logged in (None: logged out), and the
    #: reason it counts under as a pause (None: not paused or in wrap-up).
    open_from: float | None = None
    open_pause: str | None = None
    #: When the current call's talk started counting today (None: no call, or from yesterday).
    talk_from: float | None = None
    #: None unless details were asked for (it costs more than the rest together); computed at
    #: the instant of the snapshot that asked.
    occupancy_60m: float | None = None
    #: Burnout flags (from the burnout rules), most severe first, and the overall level.
    flags: list[Any] = field(default_factory=list)
    burnout: str | None = None

    def time_in_state_s(self, at: float) -> float | None:
        return None if self.since is None else max(0.0, at - self.since)

    def talk_today_s(self, at: float) -> float:
        if self.talk_from is None:
            return self.talk_closed_s
        return self.talk_closed_s + max(0.0, at - self.talk_from)

    def login_today_s(self, at: float) -> float:
        if self.open_from is None:
            return self.login_closed_s
        return self.login_closed_s + max(0.0, at - self.open_from)

    def pause_today_s(self, at: float) -> dict[str, float]:
        """Seconds paused today by reason (wrap-up under its own name)."""
        pauses = dict(self.pause_closed_s)
        if self.open_pause is not None and self.open_from is not None:
            pauses[self.open_pause] = pauses.get(self.open_pause, 0.0) + max(
                0.0, at - self.open_from
            )
        return pauses

    def pause_total_s(self, at: float) -> float:
        """Seconds paused today, all reasons together."""
        total = sum(self.pause_closed_s.values()) if self.pause_closed_s else 0.0
        if self.open_pause is not None and self.open_from is not None:
            total += max(0.0, at - self.open_from)
        return total

    def to_dict(self, at: float) -> dict[str, Any]:
        call = self.call
        return {
            "name": self.name,
            "display_name": self.display_name,
            "state": self.state,
            "since": self.since,
            "time_in_state_s": self.time_in_state_s(at),
            "reason": self.reason,
            "queue": self.queue,
            "call": None
            if call is None
            else {
                "call_id": call.call_id,
                "queue": call.queue,
                "caller": call.caller,
                "talk_s": call.talk_s(at),
                "wait_s": call.wait_s,
            },
            "queues": list(self.queues),
            "paused_in": dict(self.paused_in),
            "calls_today": self.calls_today,
            "talk_today_s": self.talk_today_s(at),
            "aht_today_s": self.aht_today_s,
            "ring_no_answers_today": self.ring_no_answers_today,
            "pause_today_s": self.pause_today_s(at),
            "login_today_s": self.login_today_s(at),
            "occupancy_60m": self.occupancy_60m,
            "burnout": self.burnout,
            "flags": [flag.to_dict() if hasattr(flag, "to_dict") else flag for flag in self.flags],
        }


@dataclass
class FeedHealth:
    name: str
    status: str | None
    detail: str | None
    events: int
    rejects: int
    last_event_ts: float | None
    #: Seconds since an event last arrived (wall clock of the ingest), None if never.
    last_event_age_s: float | None
    #: now minus the last event's own timestamp: how far behind the feed's clock we are.
    lag_s: float | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "status": self.status,
            "detail": self.detail,
            "events": self.events,
            "rejects": self.rejects,
            "last_event_ts": self.last_event_ts,
            "last_event_age_s": self.last_event_age_s,
            "lag_s": self.lag_s,
        }


@dataclass
class FloorTotals:
    calls_waiting: int
    longest_wait_s: float | None
    windows: dict[str, WindowStats]
    agents_logged_in: int
    agents_available: int
    agents_ringing: int
    agents_on_call: int
    agents_wrapup: int
    agents_paused: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "calls_waiting": self.calls_waiting,
            "longest_wait_s": self.longest_wait_s,
            "windows": {name: stats.to_dict() for name, stats in self.windows.items()},
            "agents": {
                "logged_in": self.agents_logged_in,
                "available": self.agents_available,
                "ringing": self.agents_ringing,
                "on_call": self.agents_on_call,
                "wrapup": self.agents_wrapup,
                "paused": self.agents_paused,
            },
        }


@dataclass
class FloorSnapshot:
    """The whole floor at `at` (epoch seconds)."""

    at: float
    day_start: float
    timezone: str
    queues: dict[str, QueueSnapshot]
    agents: dict[str, AgentSnapshot]
    totals: FloorTotals
    feeds: list[FeedHealth]
    #: FCR and CSAT of the day (snapshot/quality.py), re-read every 30 s; None if not read.
    quality: Any = None
    #: Each agent's adherence to the schedule now (snapshot/adherence.py); None: no schedule.
    adherence: Any = None

    def to_dict(self) -> dict[str, Any]:
        from floorwatch.snapshot.sites import site_figures

        return {
            "at": self.at,
            "day_start": self.day_start,
            "timezone": self.timezone,
            "totals": self.totals.to_dict(),
            "queues": {name: queue.to_dict(self.at) for name, queue in self.queues.items()},
            "agents": {name: agent.to_dict(self.at) for name, agent in self.agents.items()},
            "feeds": [feed.to_dict() for feed in self.feeds],
            "quality": None if self.quality is None else self.quality.to_dict(),
            "adherence": None if self.adherence is None else self.adherence.to_dict(),
            #: Each site's figures on a replica of several sites (snapshot/sites.py), else [].
            "sites": [site.to_dict() for site in site_figures(self)],
        }
