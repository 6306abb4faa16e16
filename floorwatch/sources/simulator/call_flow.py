"""A call's life on the simulated floor: arrival, waiting and giving up, ringing an agent,
answer, talk, transfer, hang-up and wrap-up, written as the queue_log lines Asterisk writes."""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from datetime import date

from floorwatch.sources.simulator.profiles import (
    GRINDER,
    HARD,
    MISSER,
    SLOWING,
    Agent,
    Call,
    QueueProfile,
)


class CallFlow:
    """The call handlers of `Simulator` (a mixin: the engine owns the state they share)."""

    now: float
    today: date
    _day: date | None
    _rng: random.Random
    _peak: float
    _midnight: float
    _calls: int
    shares: dict[str, float]
    by_name: dict[str, QueueProfile]
    DAY_SHAPE: list[tuple[float, float]]
    _waiting: dict[str, list[Call]]
    _agents: dict[str, Agent]
    _push: Callable[..., None]
    _emit: Callable[[float, str], None]
    rate_per_hour: Callable[[float], float]
    _hour: Callable[[float], float]
    _pause: Callable[[Agent, str], None]
    _unpause: Callable[[Agent, str], None]
    _after_work: Callable[[Agent], None]
    _caller_for: Callable[[str, str], str]
    _after_call: Callable[[Call, Agent, float], None]

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
        fresh = f"555{rng.randint(0, 9999999):07d}" if caller is None else caller
        caller = caller or self._caller_for(queue, fresh)
        call_id = call_id or f"{int(self.now)}.{self._calls}"
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
        self._after_call(call, agent, wait)
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

    def _dispatch_all(self, agent: Agent) -> None:
        for queue in sorted(agent.queues, key=lambda q: -len(self._waiting[q])):
            if agent.state != "idle":
                return
            self._dispatch(queue)
