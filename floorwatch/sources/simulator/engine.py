"""The simulation's engine: the event heap, simulated time, a day's schedule and its arrival
curve; the handlers it runs come from CallFlow and AgentDay."""

from __future__ import annotations

import heapq
import random
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from floorwatch.sources.simulator.aftercare import Aftercare
from floorwatch.sources.simulator.agent_day import AgentDay
from floorwatch.sources.simulator.call_flow import CallFlow
from floorwatch.sources.simulator.plan import absence_on, planned_activities, write_schedule
from floorwatch.sources.simulator.profiles import (
    FIRST_NAMES,
    GRINDER,
    NO_BREAKS,
    PERSONAS,
    QUEUE_PROFILES,
    STEADY,
    Agent,
    Call,
    QueueProfile,
    SimConfig,
)


@dataclass(order=True)
class _Event:
    at: float
    order: int
    kind: str = field(compare=False)
    payload: object = field(compare=False, default=None)


class Simulator(CallFlow, AgentDay, Aftercare):
    """One or more simulated days; `run_until(t)` yields the queue_log lines up to t."""

    def __init__(self, config: SimConfig):
        self.config = config
        self.zone = ZoneInfo(config.timezone)
        start = config.start if config.start is not None else datetime.now(self.zone).timestamp()
        self.today = datetime.fromtimestamp(start, self.zone).date()
        self.first_day = self.today - timedelta(days=config.history_days)
        self.profiles = [QUEUE_PROFILES[i % len(QUEUE_PROFILES)] for i in range(config.queues)]
        if config.queues > len(QUEUE_PROFILES):
            self.profiles = [
                QueueProfile(
                    f"{p.name}{i // len(QUEUE_PROFILES) or ''}",
                    p.share,
                    p.talk_median_s,
                    p.talk_sigma,
                    p.patience_s,
                    p.timeout_s,
                )
                for i, p in enumerate(self.profiles)
            ]
        total = sum(p.share for p in self.profiles)
        self.shares = {p.name: p.share / total for p in self.profiles}
        self.by_name = {p.name: p for p in self.profiles}
        self.roster = self._roster()
        self._heap: list[_Event] = []
        self._order = 0
        self._lines: deque[tuple[float, str]] = deque()
        self._waiting: dict[str, list[Call]] = {p.name: [] for p in self.profiles}
        self._agents: dict[str, Agent] = {}
        self._calls = 0
        self._day: date | None = None
        self._day_index = -1
        self.now = datetime.combine(self.first_day, datetime.min.time(), self.zone).timestamp()
        self._rng = random.Random(config.seed)
        self._extras = random.Random(config.seed * 104_729 + 7)
        self._served: deque = deque(maxlen=400)
        #: Every agent's planned activities so far: (agent, start, end, activity).
        self.planned: list[tuple[str, float, float, str]] = []
        self._schedule_day(self.first_day)

    # ----------------------------------------------------------------- the floor
    def _roster(self) -> list[tuple[str, list[str], str]]:
        """(name, queues, persona) per agent: fixed for every day of the run."""
        rng = random.Random(self.config.seed * 7919 + 13)
        names = []
        for index in range(self.config.agents):
            if index < len(FIRST_NAMES) and index % 9 != 8:
                names.append(FIRST_NAMES[index])
            else:
                names.append(f"Local/{200 + index}@agents/n")  # a dynamic member, no name
        queues = [p.name for p in self.profiles]
        roster = []
        for index, name in enumerate(names):
            count = 1 if len(queues) == 1 else rng.choice([1, 2, 2, 3])
            skills = sorted(rng.sample(queues, min(count, len(queues))))
            primary = queues[index % len(queues)]
            if primary not in skills:
                skills = sorted([primary] + skills[: max(0, count - 1)])
            persona = (
                PERSONAS[index] if index < len(PERSONAS) and self.config.agents >= 8 else STEADY
            )
            if persona == GRINDER:
                skills = list(queues)  # takes every queue's calls, first in line
            roster.append((name, skills, persona))
        return roster

    def _at(self, day, hour: float) -> float:
        base = datetime.combine(day, datetime.min.time(), self.zone)
        return (base + timedelta(hours=hour)).timestamp()

    def _schedule_day(self, day) -> None:
        """Shifts, breaks and the first arrivals of one day."""
        self._day = day
        self._day_index += 1
        self._midnight = self._at(day, 0)
        self._peak = self.peak_rate()
        rng = random.Random(self.config.seed * 1_000_003 + day.toordinal())
        self._rng = rng
        for index, (name, skills, persona) in enumerate(self.roster):
            start_hour = rng.choice([7.5, 7.75, 8.0, 8.0, 8.25, 8.5, 9.0, 9.5])
            length = 8.5
            if persona == NO_BREAKS:
                start_hour, length = 7.0, 10.5  # a long day, and no breaks in it
            if persona == GRINDER:
                start_hour = 8.0
            start = self._at(day, start_hour) + rng.uniform(0, 300)
            end = start + length * 3600
            breaks: list[tuple[float, float, str]] = []
            if persona != NO_BREAKS:  # a break at least every two hours, as labour rules ask
                breaks = [
                    (start + rng.uniform(1.45, 1.7) * 3600, 15 * 60, "Break"),
                    (start + rng.uniform(3.3, 3.6) * 3600, rng.choice([30, 45]) * 60, "Lunch"),
                    (start + rng.uniform(5.2, 5.5) * 3600, 15 * 60, "Break"),
                    (start + rng.uniform(6.9, 7.2) * 3600, 10 * 60, "Break"),
                ]
            if persona == GRINDER:  # works straight through the afternoon rush
                rush = (self._at(day, 12.75), self._at(day, 14.5))
                breaks = [b for b in breaks if not rush[0] <= b[0] <= rush[1]]
            agent = Agent(name, skills, persona, start, end, breaks)
            self._agents[name] = agent
            # The plan is the shift as rostered: on the quarter hour, breaks at rounded minutes.
            planned = [(b, round(length / 60) * 60, r) for b, length, r in breaks]
            planned = [(round(b / 60) * 60, length, r) for b, length, r in planned]
            self.planned += planned_activities(
                name, self._at(day, start_hour), self._at(day, start_hour + length), planned
            )
            late = absence_on(index, self.config.agents, day, self.today)
            if late is None:
                self._push(start, "login", agent)
            elif late != float("inf"):
                self._push(self._at(day, start_hour) + late * 60, "login", agent)
            for at, length_s, reason in breaks:
                self._push(at, "break", (agent, length_s, reason))
            self._push(end, "logout", agent)
        self._push(self._at(day, 6.5), "arrival", None)
        self._push(self._at(day, 24), "next_day", None)

    # ----------------------------------------------------------------- the arrival curve
    #: The shape of a working day: (local hour, share of the peak rate).
    DAY_SHAPE = [
        (6.5, 0.0),
        (7.5, 0.15),
        (8.5, 0.55),
        (9.5, 0.85),
        (10.5, 0.95),
        (11.5, 0.9),
        (12.25, 1.0),
        (13.0, 0.95),
        (13.2, 1.6),
        (14.1, 1.6),
        (14.3, 0.7),
        (15.5, 0.75),
        (16.5, 0.6),
        (17.5, 0.35),
        (18.5, 0.15),
        (19.5, 0.05),
        (20.0, 0.0),
    ]
    #: (13:15-14:05 is a rush, say a mailing that went out: the queues back up for most of an
    #: hour, as they do on real floors, and nobody gets a breath between calls.)

    def peak_rate(self) -> float:
        """Calls per hour at the floor's busiest: sized so agents are ~85 % busy then."""
        mean_handle = sum(
            self.shares[p.name] * (p.talk_median_s * 1.16 + 15) for p in self.profiles
        )
        return self.config.agents * 0.80 * 0.85 * 3600 / mean_handle * self.config.load

    def _hour(self, ts: float) -> float:
        """Local hour of the day being simulated (0-24; DST days are close enough)."""
        return (ts - self._midnight) / 3600

    def rate_per_hour(self, ts: float) -> float:
        """Calls per hour for the whole floor at `ts`."""
        hour = self._hour(ts)
        for (h0, v0), (h1, v1) in zip(self.DAY_SHAPE, self.DAY_SHAPE[1:], strict=False):
            if h0 <= hour < h1:
                return (v0 + (v1 - v0) * (hour - h0) / (h1 - h0)) * self._peak
        return 0.0

    # ----------------------------------------------------------------- running
    def _push(self, at: float, kind: str, payload: object = None) -> None:
        self._order += 1
        heapq.heappush(self._heap, _Event(at, self._order, kind, payload))

    def _emit(self, ts: float, text: str) -> None:
        self._lines.append((ts, f"{int(ts)}|{text}"))

    def run_until(self, until: float) -> Iterator[tuple[float, str]]:
        """Advance simulated time to `until`, yielding (time, line) in time order."""
        heap = self._heap
        while heap and heap[0].at <= until:
            event = heapq.heappop(heap)
            self.now = event.at
            getattr(self, f"_on_{event.kind}")(event.payload)
            while self._lines:
                yield self._lines.popleft()
        self.now = max(self.now, until)

    def lines(self, until: float) -> Iterator[str]:
        for _, line in self.run_until(until):
            yield line

    def _on_next_day(self, _) -> None:
        assert self._day is not None  # the first day is scheduled before any event runs
        if self._day < self.today:
            self._schedule_day(self._day + timedelta(days=1))


def day_bounds(sim: Simulator) -> tuple[float, float]:
    """The simulated day's local midnight and the next one."""
    start = sim._at(sim.today, 0)
    return start, sim._at(sim.today + timedelta(days=1), 0)


def write_floor(
    path: str | Path,
    config: SimConfig,
    until: float | None = None,
    schedule: str | Path | None = None,
) -> int:
    """Write the simulated floor (history days, then the day) to `path` as fast as possible,
    up to `until` (default: the end of the day), and its plan to `schedule` as CSV when
    given (every day's, the whole simulated day included). Returns the number of lines."""
    sim = Simulator(config)
    end = until if until is not None else day_bounds(sim)[1]
    count = 0
    with open(path, "w", encoding="utf-8") as out:
        for _, line in sim.run_until(end):
            out.write(line + "\n")
            count += 1
    if schedule is not None:
        write_schedule(schedule, sim.planned, config.timezone)
    return count
