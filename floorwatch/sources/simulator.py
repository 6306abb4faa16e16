"""A simulated call-center floor that writes real Asterisk queue_log lines.

A discrete-event simulation, seeded (a seed and the settings give the same day, byte for byte):
- queues with an intraday arrival curve (Poisson arrivals, rate following the day: a morning
  ramp, a lunch peak, a quieter afternoon), callers with limited patience (abandon), a queue
  timeout (EXITWITHTIMEOUT) and a few key presses (EXITWITHKEY);
- agents with names and skills (the queues they serve), shifts with logins (ADDMEMBER) and
  logouts (REMOVEMEMBER), breaks and lunch (PAUSEALL and PAUSE per queue, as Asterisk writes
  them), log-normal talk times per queue, wrap-up as an ACW pause after each call,
  ring-no-answers (in milliseconds) followed by an auto-pause, and blind transfers that re-enter
  another queue with the same call id;
- a few agents who drift into burnout patterns, so that every rule of docs/burnout.md fires at
  some point of a day: one skips breaks on a ten-hour shift, one works without breathing room,
  one slows down through the afternoon, one starts missing calls, one takes the hard calls.

Lines come out in time order as simulated time passes (`run_until`), so a live demo can write
them to a file at any speed and the ingest reads them like a PBX's log.
"""

from __future__ import annotations

import heapq
import math
import random
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

FIRST_NAMES = [
    "Ana",
    "Ben",
    "Cleo",
    "Dev",
    "Erin",
    "Farid",
    "Gita",
    "Hugo",
    "Ines",
    "Jon",
    "Kemal",
    "Lena",
    "Marta",
    "Nico",
    "Oona",
    "Pavel",
    "Quinn",
    "Rosa",
    "Sami",
    "Tara",
    "Umar",
    "Vera",
    "Wim",
    "Xena",
    "Yusuf",
    "Zoe",
    "Aiko",
    "Bram",
    "Carla",
    "Dario",
    "Elif",
    "Femi",
    "Greta",
    "Hamid",
    "Iris",
    "Jonas",
    "Kira",
    "Luca",
    "Mina",
    "Nora",
    "Omar",
    "Petra",
    "Rafa",
    "Sofia",
    "Teo",
    "Ulla",
    "Viktor",
    "Wanda",
    "Yara",
    "Zeno",
]


@dataclass(frozen=True)
class QueueProfile:
    name: str
    #: Share of the floor's traffic.
    share: float
    #: Talk time: log-normal with this median (seconds) and shape.
    talk_median_s: float
    talk_sigma: float = 0.55
    #: Callers' patience: exponential with this mean (seconds).
    patience_s: float = 150.0
    #: The queue's timeout (seconds): EXITWITHTIMEOUT.
    timeout_s: float = 300.0


QUEUE_PROFILES = [
    QueueProfile("sales", 0.40, 190),
    QueueProfile("support", 0.35, 300, patience_s=200),
    QueueProfile("billing", 0.15, 210, patience_s=120),
    QueueProfile("vip", 0.10, 240, patience_s=90, timeout_s=180),
    QueueProfile("returns", 0.10, 160),
    QueueProfile("tech", 0.15, 420, patience_s=240),
]

#: Personas, each driving one burnout rule (see docs/burnout.md), and the rest who are steady.
STEADY, NO_BREAKS, GRINDER, SLOWING, MISSER, HARD = (
    "steady",
    "no_breaks",
    "grinder",
    "slowing",
    "misser",
    "hard",
)
PERSONAS = [NO_BREAKS, GRINDER, SLOWING, MISSER, HARD]


@dataclass
class SimConfig:
    """The floor to simulate. `start` is any time on the simulated day (its local date)."""

    agents: int = 24
    queues: int = 3
    seed: int = 1
    start: float | None = None
    timezone: str = "UTC"
    #: Days simulated before `start`'s day (for baselines such as "slowing down").
    history_days: int = 0
    #: Multiplies the traffic (1.0: the floor is about 85 % busy at its peak).
    load: float = 1.0


@dataclass
class Agent:
    name: str
    queues: list[str]
    persona: str
    shift_start: float
    shift_end: float
    breaks: list[tuple[float, float, str]]
    state: str = "off"  # off, idle, ringing, talking, wrapup, paused
    free_at: float = 0.0
    last_end: float = 0.0
    logging_out: bool = False
    calls_taken: int = 0
    #: Queues this agent is auto-paused in (after a missed ring), and a break waiting for
    #: the current call to end.
    auto_paused: set[str] = field(default_factory=set)
    due_break: tuple[float, str] | None = None


@dataclass
class Call:
    call_id: str
    queue: str
    caller: str
    entered: float
    position: int
    patience_deadline: float
    timeout_deadline: float
    key_deadline: float | None
    done: bool = False
    transfer_of: str | None = None
    #: The agent it rings now, since when, and a token that outdates older ring events.
    ringing: Agent | None = None
    ring_started: float = 0.0
    ring_token: int = 0


@dataclass(order=True)
class _Event:
    at: float
    order: int
    kind: str = field(compare=False)
    payload: object = field(compare=False, default=None)


class Simulator:
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
        for name, skills, persona in self.roster:
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
            self._push(start, "login", agent)
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

    # ----------------------------------------------------------------- events
    def _on_next_day(self, _) -> None:
        assert self._day is not None  # the first day is scheduled before any event runs
        if self._day < self.today:
            self._schedule_day(self._day + timedelta(days=1))

    def _on_arrival(self, _) -> None:
        rng = self._rng
        rate = self.rate_per_hour(self.now)
        # Thinning: candidates at the day's highest rate, kept with probability rate / highest.
        top = self._peak * max(v for _, v in self.DAY_SHAPE) or 1.0
        if rate > 0 and rng.random() < rate / top:
            queue = rng.choices(list(self.shares), weights=list(self.shares.values()))[0]
            self._new_call(queue)
        gap = rng.expovariate(top / 3600.0)
        if self.now + gap < self._midnight + 20.5 * 3600:
            self._push(self.now + gap, "arrival")

    def _new_call(self, queue: str, call_id: str | None = None, caller: str | None = None) -> None:
        rng = self._rng
        profile = self.by_name[queue]
        self._calls += 1
        call_id = call_id or f"{int(self.now)}.{self._calls}"
        caller = caller or f"555{rng.randint(0, 9999999):07d}"
        waiting = self._waiting[queue]
        key = self.now + rng.uniform(20, 90) if rng.random() < 0.03 else None
        call = Call(
            call_id,
            queue,
            caller,
            self.now,
            len(waiting) + 1,
            self.now + rng.expovariate(1 / profile.patience_s),
            self.now + profile.timeout_s,
            key,
        )
        waiting.append(call)
        self._emit(self.now, f"{call_id}|{queue}|NONE|ENTERQUEUE||{caller}|{call.position}")
        first = min(call.patience_deadline, call.timeout_deadline, key or math.inf)
        self._push(first, "give_up", call)
        self._dispatch(queue)

    def _on_give_up(self, call: Call) -> None:
        if call.done:
            return
        wait = int(self.now - call.entered)
        if call.ringing is not None:  # hung up while an agent's phone rang
            agent = call.ringing
            self._emit(
                self.now,
                f"{call.call_id}|{call.queue}|{agent.name}|RINGCANCELED|"
                f"{int((self.now - call.ring_started) * 1000)}",
            )
            call.ringing, call.ring_token = None, call.ring_token + 1
            agent.state = "idle"
            position = 1
        else:
            waiting = self._waiting[call.queue]
            position = waiting.index(call) + 1
            waiting.remove(call)
        call.done = True
        if call.key_deadline is not None and self.now >= call.key_deadline:
            key = self._rng.choice("0123456789*")
            self._emit(
                self.now,
                f"{call.call_id}|{call.queue}|NONE|EXITWITHKEY|"
                f"{key}|{position}|{call.position}|{wait}",
            )
        elif self.now >= call.timeout_deadline:
            self._emit(
                self.now,
                f"{call.call_id}|{call.queue}|NONE|EXITWITHTIMEOUT|"
                f"{position}|{call.position}|{wait}",
            )
        else:
            self._emit(
                self.now,
                f"{call.call_id}|{call.queue}|NONE|ABANDON|{position}|{call.position}|{wait}",
            )
        if call.ringing is None and position == 1:
            pass
        for agent in self._agents.values():
            if agent.state == "idle":
                self._dispatch_all(agent)
                break

    def _free_agents(self, queue: str) -> list[Agent]:
        return [
            a
            for a in self._agents.values()
            if a.state == "idle"
            and queue in a.queues
            and queue not in a.auto_paused
            and not a.logging_out
        ]

    def _dispatch(self, queue: str) -> None:
        """Ring the agent idle longest for the oldest waiting call of `queue`."""
        waiting = self._waiting[queue]
        while waiting:
            free = self._free_agents(queue)
            if not free:
                return
            # The agent idle longest, but the grinder always first: they never get a breath.
            agent = min(free, key=lambda a: (a.persona != GRINDER, a.last_end, a.name))
            self._ring(agent, waiting.pop(0))

    def _ring(self, agent: Agent, call: Call) -> None:
        rng = self._rng
        agent.state = "ringing"
        call.ringing, call.ring_started = agent, self.now
        call.ring_token += 1
        miss_chance = 0.0 if agent.persona == GRINDER else 0.02
        if agent.persona == MISSER and self._day == self.today and self._afternoon():
            miss_chance = 0.45
        if rng.random() < miss_chance:
            self._push(self.now + 15, "ring_no_answer", (agent, call, call.ring_token))
        else:
            pickup = rng.uniform(1, 3) if agent.persona == GRINDER else rng.uniform(2, 6)
            self._push(self.now + pickup, "answer", (agent, call, call.ring_token))

    def _afternoon(self) -> bool:
        return 13 <= self._hour(self.now) < 16

    def _on_ring_no_answer(self, payload) -> None:
        agent, call, token = payload
        if call.ring_token != token or call.done:
            return
        call.ringing = None
        self._emit(self.now, f"{call.call_id}|{call.queue}|{agent.name}|RINGNOANSWER|15000")
        # Asterisk's autopause: the member is paused in that queue after a missed ring.
        agent.auto_paused.add(call.queue)
        self._emit(self.now, f"NONE|{call.queue}|{agent.name}|PAUSE|Auto-Pause")
        self._push(self.now + self._rng.uniform(40, 120), "auto_unpause", (agent, call.queue))
        agent.state = "idle"
        self._waiting[call.queue].insert(0, call)
        self._dispatch(call.queue)
        self._dispatch_all(agent)

    def _on_auto_unpause(self, payload) -> None:
        agent, queue = payload
        if queue not in agent.auto_paused:
            return
        agent.auto_paused.discard(queue)
        if agent.state != "off":
            self._emit(self.now, f"NONE|{queue}|{agent.name}|UNPAUSE|Back from auto-pause")
            if agent.state == "idle":
                self._dispatch_all(agent)

    def _talk_time(self, agent: Agent, call: Call) -> float:
        rng = self._rng
        profile = self.by_name[call.queue]
        talk = rng.lognormvariate(math.log(profile.talk_median_s), profile.talk_sigma)
        hour = int(self._hour(self.now))
        today = self._day == self.today
        if agent.persona == SLOWING and today and hour >= 12:
            talk *= 1.0 + min(1.5, (hour - 11) * 0.35)
        if agent.persona == HARD and today and 11 <= hour < 15 and rng.random() < 0.5:
            talk = profile.talk_median_s * rng.uniform(3.0, 4.5)
        if agent.persona == GRINDER:
            talk *= 0.8
        return max(8.0, talk)

    def _on_answer(self, payload) -> None:
        agent, call, token = payload
        if call.ring_token != token or call.done:
            return
        call.ringing = None
        call.done = True
        wait = int(self.now - call.entered)
        agent.state = "talking"
        agent.calls_taken += 1
        ring = max(1, int(self.now - call.ring_started))
        self._emit(
            self.now,
            f"{call.call_id}|{call.queue}|{agent.name}|CONNECT|{wait}|"
            f"{call.call_id}{agent.calls_taken % 10}|{ring}",
        )
        talk = self._talk_time(agent, call)
        self._push(self.now + talk, "hangup", (agent, call, wait, talk))

    def _on_hangup(self, payload) -> None:
        agent, call, wait, talk = payload
        rng = self._rng
        talk_s = int(talk)
        others = [q for q in self.by_name if q != call.queue]
        if call.transfer_of is None and others and rng.random() < 0.04:
            target = rng.choice(others)
            self._emit(
                self.now,
                f"{call.call_id}|{call.queue}|{agent.name}|BLINDTRANSFER|"
                f"{target}|transfers|{wait}|{talk_s}|{call.position}",
            )
            agent.last_end = self.now
            self._wrapup(agent)
            self._new_call(target, call.call_id, call.caller)
            return
        who = "COMPLETEAGENT" if rng.random() < 0.55 else "COMPLETECALLER"
        self._emit(
            self.now,
            f"{call.call_id}|{call.queue}|{agent.name}|{who}|{wait}|{talk_s}|{call.position}",
        )
        agent.last_end = self.now
        self._wrapup(agent)

    def _wrapup(self, agent: Agent) -> None:
        """After-call work, reported as an ACW pause (the way floorwatch sees wrap-up)."""
        rng = self._rng
        wrapup = rng.lognormvariate(math.log(14), 0.5)
        if agent.persona == GRINDER:
            wrapup = rng.uniform(1.0, 3.0)
        self._pause(agent, "ACW")
        agent.state = "wrapup"
        self._push(self.now + wrapup, "wrapup_done", agent)

    def _on_wrapup_done(self, agent: Agent) -> None:
        self._unpause(agent, "")
        agent.last_end = self.now
        self._after_work(agent)

    def _after_work(self, agent: Agent) -> None:
        """Between calls: log out at the end of the shift, take a break that is due, or wait
        for the next call."""
        if agent.logging_out or self.now >= agent.shift_end:
            self._logout(agent)
            return
        if agent.due_break is not None:
            length, reason = agent.due_break
            agent.due_break = None
            self._start_break(agent, length, reason)
            return
        agent.state = "idle"
        self._dispatch_all(agent)

    def _dispatch_all(self, agent: Agent) -> None:
        for queue in sorted(agent.queues, key=lambda q: -len(self._waiting[q])):
            if agent.state != "idle":
                return
            self._dispatch(queue)

    # ----------------------------------------------------------------- pauses and shifts
    def _pause(self, agent: Agent, reason: str) -> None:
        """A pause of every queue, written as Asterisk writes it: PAUSEALL, then per queue."""
        self._emit(self.now, f"NONE|NONE|{agent.name}|PAUSEALL|{reason}")
        for queue in agent.queues:
            self._emit(self.now, f"NONE|{queue}|{agent.name}|PAUSE|{reason}")

    def _unpause(self, agent: Agent, reason: str) -> None:
        self._emit(self.now, f"NONE|NONE|{agent.name}|UNPAUSEALL|{reason}")
        for queue in agent.queues:
            if queue not in agent.auto_paused:
                self._emit(self.now, f"NONE|{queue}|{agent.name}|UNPAUSE|{reason}")

    def _on_login(self, agent: Agent) -> None:
        for queue in agent.queues:
            self._emit(self.now, f"MANAGER|{queue}|{agent.name}|ADDMEMBER|")
        agent.state = "idle"
        agent.logging_out = False
        agent.auto_paused.clear()
        agent.last_end = self.now
        self._dispatch_all(agent)

    def _on_break(self, payload) -> None:
        agent, length, reason = payload
        if agent.state == "off":
            return
        if agent.state != "idle":
            agent.due_break = (length, reason)  # after the current call
            return
        self._start_break(agent, length, reason)

    def _start_break(self, agent: Agent, length: float, reason: str) -> None:
        agent.state = "paused"
        self._pause(agent, reason)
        self._push(self.now + length, "break_over", (agent, reason))

    def _on_break_over(self, payload) -> None:
        agent, reason = payload
        if agent.state != "paused":
            return
        self._unpause(agent, f"{reason} over")
        agent.last_end = self.now
        self._after_work(agent)

    def _on_logout(self, agent: Agent) -> None:
        if agent.state == "idle":
            self._logout(agent)
        elif agent.state != "off":
            agent.logging_out = True  # after the current call or break

    def _logout(self, agent: Agent) -> None:
        if agent.state == "off":
            return
        for queue in agent.queues:
            self._emit(self.now, f"MANAGER|{queue}|{agent.name}|REMOVEMEMBER|")
        agent.state = "off"
        agent.logging_out = False
        agent.due_break = None


def day_bounds(sim: Simulator) -> tuple[float, float]:
    """The simulated day's local midnight and the next one."""
    start = sim._at(sim.today, 0)
    return start, sim._at(sim.today + timedelta(days=1), 0)


def write_floor(path: str | Path, config: SimConfig, until: float | None = None) -> int:
    """Write the simulated floor (history days, then the day) to `path` as fast as possible,
    up to `until` (default: the end of the day). Returns the number of lines."""
    sim = Simulator(config)
    end = until if until is not None else day_bounds(sim)[1]
    count = 0
    with open(path, "w", encoding="utf-8") as out:
        for _, line in sim.run_until(end):
            out.write(line + "\n")
            count += 1
    return count
