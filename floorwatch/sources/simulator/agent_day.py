"""An agent's day on the simulated floor: login, breaks and lunch as Asterisk writes pauses
(PAUSEALL, then per queue), the shift's end and logout, each waiting for a call to finish."""

from __future__ import annotations

from collections.abc import Callable

from floorwatch.sources.simulator.profiles import Agent


class AgentDay:
    """The pause and shift handlers of `Simulator` (a mixin: the engine owns the state)."""

    now: float
    _push: Callable[..., None]
    _emit: Callable[[float, str], None]
    _dispatch_all: Callable[[Agent], None]

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
